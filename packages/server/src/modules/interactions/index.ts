// The interactions module: subjects, likes, favourites, shares, follows, 一键三连, comments,
// hot lists, rankings, curated slots, recommendations and moderation. Other modules react to its
// domain events (events.ts) and never reach into its tables.
import './errors.ts';
export type { SubjectRef, TriplePart } from './events.ts';
export { createInteractions, type Interactions, type InteractionsDeps } from './service/index.ts';
export { interactionsRoutes } from './routes/index.ts';

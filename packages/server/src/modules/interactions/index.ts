// The interactions module: subjects, likes, favourites, shares, follows, 一键三连, comments,
// hot lists, rankings, curated slots, recommendations and moderation. Other modules react to its
// domain events (events.ts) and never reach into its tables.
import type { Module } from '../../module.ts';
import type { Interactions } from './service/index.ts';
import { interactionsRoutes } from './routes/index.ts';
import './errors.ts';

export type { SubjectRef, TriplePart } from './events.ts';
export { isReservedKind, RESERVED_KIND_PREFIX } from './rules/reserved.ts';
export { REPORT_REASONS } from './types.ts';
export { createInteractions, type Interactions, type InteractionsDeps } from './service/index.ts';
export { interactionsRoutes } from './routes/index.ts';

export function interactionsModule(interactions: Interactions): Module {
  return {
    name: 'interactions',
    routes: (api, { ctx }) => interactionsRoutes(api, { interactions, ctx }),
    jobs(jobs) {
      // Hot scores and rankings refresh right after interactions; this catches marks left by a
      // server that stopped before its refresh ran.
      jobs.define('canyu.interactions.refresh', async () => {
        await interactions.discovery.refresh();
      });
      jobs.schedule('canyu.interactions.refresh', '* * * * *');
    },
    erasure: interactions.erasure,
    stop: () => interactions.close(),
  };
}

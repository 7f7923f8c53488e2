export { createPolls, type Polls, type PollsDeps, type PollView } from './service.ts';
export { pollsRoutes } from './routes.ts';

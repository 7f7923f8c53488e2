import type { Module } from '../../module.ts';
import type { Polls } from './service.ts';
import { pollsRoutes } from './routes.ts';

export { createPolls, type Polls, type PollsDeps, type PollView } from './service.ts';
export { pollsRoutes } from './routes.ts';

export function pollsModule(polls: Polls): Module {
  return { name: 'polls', routes: (api, { ctx }) => pollsRoutes(api, { polls, ctx }), erasure: polls.erasure };
}

import type { Module } from '../../module.ts';
import type { Stories } from './service.ts';
import { storiesRoutes } from './routes.ts';

export { createStories, type Stories, type StoriesDeps } from './service.ts';
export { storiesRoutes } from './routes.ts';

export function storiesModule(stories: Stories): Module {
  return { name: 'stories', routes: (api, { ctx }) => storiesRoutes(api, { stories, ctx }), erasure: stories.erasure };
}

export { createStories, type Stories, type StoriesDeps } from './service.ts';
export { storiesRoutes } from './routes.ts';

export { createEvents, type Events, type EventsDeps, type IngestResult } from './service.ts';
export { eventsRoutes } from './routes.ts';
export { MAX_BATCH } from './types.ts';

import type { Module } from '../../module.ts';
import type { Events } from './service.ts';
import { eventsRoutes } from './routes.ts';

export { createEvents, type Events, type EventsDeps, type IngestResult } from './service.ts';
export { eventsRoutes } from './routes.ts';
export { MAX_BATCH } from './types.ts';
/** The ingestion statement itself (events, their roll-ups and log rows in one INSERT): for tests of the storage layout, and the bench's baseline. */
export { insertBatch as storeEventBatch, type NewEvent } from './store.ts';

/** Ingestion (POST /v1/events). Draining stores every acknowledged event before the consumers stop. */
export function eventsModule(events: Events, opts: { bodyLimit: number }): Module {
  return { name: 'events', routes: (api, { ctx }) => eventsRoutes(api, { events, ctx, bodyLimit: opts.bodyLimit }), erasure: events.erasure, drain: () => events.close() };
}

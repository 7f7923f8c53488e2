// How many connections a server process's event consumers take: needed both by the server (app.ts,
// sizing its pools) and by the cluster primary (cluster.ts, budgeting connections before it forks),
// which should not load the whole app to know it.
import { SHARDS } from './events/store.ts';

/**
 * Shards one server process handles at once: 4, or fewer when several workers share the 8 shards
 * (more would only wait on each other's locks).
 */
export const eventShardsAtOnce = (workers: number): number => Math.max(1, Math.min(4, Math.ceil(SHARDS / Math.max(1, workers))));
/**
 * The event consumers' own pool: each shard's transaction may take one more connection for work
 * it commits on its own (the event log's erasure batches), and waiting for the log to settle takes one.
 */
export const eventRunnerConnections = (workers: number): number => 2 * eventShardsAtOnce(workers) + 1;

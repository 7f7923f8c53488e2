// The typed names and payloads of Canyu's domain events. Modules add theirs by augmenting DomainEvents:
//   declare module '../../events.ts' { interface DomainEvents { 'comment.created': {...} } }
// Events travel through the durable event log (events/index.ts): appended in the transaction of
// the change that causes them, handled by consumers with checkpoints, once per consumer.
import type { EventLog } from './events/index.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEvents {}

export type EventName = keyof DomainEvents & string;

/** What modules are given: the event log (emit in a transaction, consume with a checkpoint). */
export type EventBus = EventLog;

// The catalogue of domain events: every event Canyu records, with its JSON Schema (from the same
// zod schema that types it), the users it carries, a description in English and Chinese and an
// example. Modules declare their events in their index.ts; rule builders read the catalogue.
import { z } from 'zod';

export type UserField = {
  /** Payload key holding a user id or a list of user ids. */
  path: string;
  /** How rule builders name it: the actor, the author of the subject, each voter… */
  role: 'actor' | 'owner' | 'recipients';
  description: string;
};

export type EventDefinition = {
  name: string;
  module: string;
  description: { en: string; 'zh-CN': string };
  schema: z.ZodType;
  /** Which payload keys hold users; the first 'actor' one is the event's acting user. */
  users: UserField[];
  example: Record<string, unknown>;
  version?: number;
};

export type Catalog = {
  define(defs: EventDefinition[]): void;
  get(name: string): EventDefinition | undefined;
  list(): EventDefinition[];
  /** The acting user and every user the payload names. */
  usersOf(name: string, payload: Record<string, unknown>): { actorId: string | null; userIds: string[] };
  /** JSON Schema of a payload, for the API. */
  jsonSchema(name: string): Record<string, unknown>;
};

export function createCatalog(): Catalog {
  const defs = new Map<string, EventDefinition>();
  const schemas = new Map<string, Record<string, unknown>>();
  const idOf = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
  return {
    define(list) {
      for (const d of list) {
        if (defs.has(d.name)) throw new Error(`domain event ${d.name} is defined twice`);
        defs.set(d.name, d);
      }
    },
    get: (name) => defs.get(name),
    list: () => [...defs.values()].sort((a, b) => a.name.localeCompare(b.name)),
    usersOf(name, payload) {
      const d = defs.get(name);
      const fields = d?.users ?? [{ path: 'userId', role: 'actor' as const, description: '' }];
      let actorId: string | null = null;
      const users = new Set<string>();
      for (const f of fields) {
        const v = payload[f.path];
        if (Array.isArray(v)) for (const x of v) {
          const id = idOf(x);
          if (id) users.add(id);
        }
        else {
          const id = idOf(v);
          if (!id) continue;
          users.add(id);
          if (f.role === 'actor' && actorId === null) actorId = id;
        }
      }
      return { actorId, userIds: [...users] };
    },
    jsonSchema(name) {
      let s = schemas.get(name);
      if (!s) {
        const d = defs.get(name);
        s = d ? (z.toJSONSchema(d.schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>) : {};
        delete s.$schema;
        schemas.set(name, s);
      }
      return s;
    },
  };
}

// Event rules: "when <event> happens, message <recipient> with <template>" — configured by event
// name, so they work for whichever module publishes the event (comment.replied, level.up …) and
// for host events ingested through POST /v1/events. With a digest, notifications for the same key
// (e.g. likes on one post) gather for a window and go out as one: "X and 12 others liked your post".
import { createHash } from 'node:crypto';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { EventBus } from '../../../events.ts';
import { AppError } from '../../../http/errors.ts';
import type { Clock } from '../../../lib/clock.ts';
import { matchesConditions } from '../../../lib/conditions.ts';
import { newId } from '../../../lib/ids.ts';
import type { Hub } from '../../../realtime/index.ts';
import type { Audit } from '../../audit/index.ts';
import { BUILTIN_VARIABLES, renderText, type Values } from '../rules/template.ts';
import * as store from '../store/rules.ts';
import type { RuleRow } from '../store/rules.ts';
import * as settingsStore from '../store/settings.ts';
import type { RuleInput } from '../types.ts';
import { checkData } from './content.ts';
import type { Sending } from './sending.ts';

/** The value at a dotted path of an event payload. */
export function pathValue(payload: unknown, path: string): unknown {
  let v: unknown = payload;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const MAX_ACTORS = 3;
const LIST_CHUNK = 1000;
const CACHE_MS = 10_000;

type Logger = { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };

export function createRules(deps: { db: Db; audit: Audit; bus: EventBus; clock: Clock; log: Logger; sending: Sending; hub: Hub | null }) {
  const cache = new Map<string, { rows: Promise<RuleRow[]>; at: number }>();
  const system: Ctx = { db: deps.db, actor: { type: 'system', id: null } };

  const rulesOf = (event: string): Promise<RuleRow[]> => {
    const hit = cache.get(event);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.rows;
    const rows = store.enabledRulesOf(deps.db, event);
    cache.set(event, { rows, at: Date.now() });
    rows.catch(() => cache.delete(event));
    return rows;
  };

  async function handle(ctx: Ctx, event: string, payload: unknown): Promise<void> {
    const appId = pathValue(payload, 'appId');
    if (typeof appId !== 'string') return;
    for (const rule of await rulesOf(event)) {
      if (rule.appId !== appId || !matchesConditions(rule.conditions, payload as Record<string, unknown>)) continue;
      try {
        // A savepoint per rule: one rule's failure leaves the others (and the batch) intact.
        await ctx.db.transaction((sp) => apply({ ...ctx, db: sp }, rule, payload));
      } catch (err) {
        deps.log.error({ err, ruleId: rule.id, event }, 'message rule failed');
      }
    }
  }

  const isUserId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 255;

  async function apply(ctx: Ctx, rule: RuleRow, payload: unknown): Promise<void> {
    // The recipient path holds one user id, or a list (voters, followers…): each gets the message.
    const at = pathValue(payload, rule.recipient);
    if (Array.isArray(at)) {
      const users = [...new Set(at.filter(isUserId))];
      if (rule.digest) for (const u of users) await applyTo(ctx, rule, payload, [u], null);
      // Sends of up to 1,000 recipients each (caps and quiet hours apply per recipient).
      else for (let i = 0; i < users.length; i += LIST_CHUNK) await applyTo(ctx, rule, payload, users.slice(i, i + LIST_CHUNK), i / LIST_CHUNK);
      return;
    }
    if (!isUserId(at)) {
      deps.log.warn({ ruleId: rule.id, path: rule.recipient }, 'message rule: the recipient path does not hold a user id');
      return;
    }
    await applyTo(ctx, rule, payload, [at], null);
  }

  /** `chunk`: the part of a recipients list (null for a single recipient); it keys the send's dedupe. */
  async function applyTo(ctx: Ctx, rule: RuleRow, payload: unknown, userIds: string[], chunk: number | null): Promise<void> {
    const userId = userIds[0]!;
    const data: Values = {};
    for (const [name, path] of Object.entries(rule.dataMap)) {
      const v = pathValue(payload, path);
      if (v !== undefined && v !== null) data[name] = v;
    }
    if (rule.digest) {
      const actor = pathValue(payload, rule.digest.actor);
      await store.addToDigest(ctx.db, {
        appId: rule.appId,
        userId,
        key: renderText(rule.digest.key, data).slice(0, 500),
        ruleId: rule.id,
        actor: actor === undefined || actor === null ? null : String(actor).slice(0, 200),
        data,
        flushAt: new Date(deps.clock.now().getTime() + rule.digest.windowSeconds * 1000),
        maxActors: MAX_ACTORS,
      });
      return;
    }
    const eventKey = typeof (payload as { eventId?: unknown }).eventId === 'string' ? (payload as { eventId: string }).eventId : createHash('sha256').update(JSON.stringify(payload)).digest('base64url');
    await sendWith(ctx, rule, rule.templateKey, userIds, data, { kind: 'rule', dedupeKey: chunk === null ? `rule:${rule.id}:${eventKey}` : `rule:${rule.id}:${eventKey}:${chunk}`, ruleId: rule.id });
  }

  /** Sends with the declared variables of the template only (a rule's map may feed two templates). */
  async function sendWith(ctx: Ctx, rule: RuleRow, templateKey: string, userIds: string[], data: Values, opts: { kind: 'rule' | 'digest'; dedupeKey: string; ruleId: string }) {
    const t = await settingsStore.findTemplate(ctx.db, rule.appId, templateKey);
    if (!t) throw new Error(`template ${templateKey} of rule ${rule.id} no longer exists`);
    const declared = new Set<string>([...Object.keys(t.variables), ...BUILTIN_VARIABLES]);
    const own = Object.fromEntries(Object.entries(data).filter(([k]) => declared.has(k)));
    return deps.sending.create({ ...ctx, actor: system.actor }, rule.appId, { to: userIds.length === 1 ? { user_id: userIds[0]! } : { user_ids: userIds }, template: templateKey, data: own, channels: rule.channels as RuleInput['channels'], transactional: rule.transactional }, opts);
  }

  // One consumer of the event log for every rule: domain events and the host events some rule names.
  deps.bus.interestIn('messaging', store.hostInterest);
  deps.bus.consume({ name: 'messaging.rules', wants: () => true, handle: (ctx, row) => handle(ctx, row.name, row.payload) });

  async function changed(db: Db, event: string) {
    cache.delete(event);
    deps.hub?.publish('ms.rules', { event });
    await deps.bus.refreshInterest(db, 'messaging');
  }

  deps.hub?.on('ms.rules', (p) => {
    const event = (p as { event?: unknown }).event;
    if (typeof event === 'string') cache.delete(event);
  });

  async function validate(ctx: Ctx, appId: string, input: Pick<RuleInput, 'template' | 'data' | 'digest'>) {
    const t = await settingsStore.findTemplate(ctx.db, appId, input.template);
    if (!t) throw new AppError('messaging.template_not_found', `Template ${input.template} does not exist`, { template: input.template, field: 'body.template' });
    if (input.digest) {
      const d = await settingsStore.findTemplate(ctx.db, appId, input.digest.template);
      if (!d) throw new AppError('messaging.template_not_found', `Template ${input.digest.template} does not exist`, { template: input.digest.template, field: 'body.digest.template' });
      // Each data variable must exist in one of the two templates.
      const unknown = Object.keys(input.data ?? {}).filter((k) => !Object.hasOwn(t.variables, k) && !Object.hasOwn(d.variables, k));
      checkData(t, Object.fromEntries(unknown.map((k) => [k, null])), 'body.data');
    } else {
      checkData(t, input.data, 'body.data');
    }
  }

  return {
    async start(): Promise<void> {},
    stop(): void {},

    async create(ctx: Ctx, appId: string, input: RuleInput): Promise<RuleRow> {
      await validate(ctx, appId, input);
      return ctx.db.transaction(async (tx) => {
        const row = await store.insertRule(tx, {
          appId,
          id: newId('rule'),
          event: input.event,
          recipient: input.recipient,
          conditions: input.conditions,
          templateKey: input.template,
          channels: input.channels,
          transactional: input.transactional,
          dataMap: input.data ?? {},
          digest: input.digest ? { key: input.digest.key, windowSeconds: input.digest.window_seconds, actor: input.digest.actor, templateKey: input.digest.template } : null,
          enabled: input.enabled,
        });
        await changed(tx, row.event);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'messaging.rule.create', targetType: 'messaging_rule', targetId: row.id, after: row });
        return row;
      });
    },

    async setEnabled(ctx: Ctx, appId: string, id: string, enabled: boolean): Promise<RuleRow> {
      return ctx.db.transaction(async (tx) => {
        const before = await store.findRule(tx, appId, id);
        const row = before ? await store.updateRule(tx, appId, id, { enabled }) : undefined;
        if (!row) throw new AppError('messaging.rule_not_found', `Rule ${id} does not exist`, { rule_id: id });
        await changed(tx, row.event);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'messaging.rule.update', targetType: 'messaging_rule', targetId: id, before, after: row });
        return row;
      });
    },

    async get(ctx: Ctx, appId: string, id: string): Promise<RuleRow> {
      const row = await store.findRule(ctx.db, appId, id);
      if (!row) throw new AppError('messaging.rule_not_found', `Rule ${id} does not exist`, { rule_id: id });
      return row;
    },

    list: (ctx: Ctx, appId: string, q: { limit: number; afterId?: string | undefined; event?: string | undefined }) => store.listRules(ctx.db, appId, q),

    async remove(ctx: Ctx, appId: string, id: string): Promise<void> {
      await ctx.db.transaction(async (tx) => {
        const row = await store.findRule(tx, appId, id);
        if (!row || !(await store.deleteRule(tx, appId, id))) throw new AppError('messaging.rule_not_found', `Rule ${id} does not exist`, { rule_id: id });
        await changed(tx, row.event);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'messaging.rule.delete', targetType: 'messaging_rule', targetId: id, before: row });
      });
    },

    /** Sends every digest whose window has closed (the minute tick; tests call it with their clock). */
    async flushDigests(): Promise<number> {
      let n = 0;
      for (;;) {
        const due = await store.claimDueDigests(deps.db, deps.clock.now(), 100);
        for (const d of due) {
          try {
            const rule = await store.findRule(deps.db, d.appId, d.ruleId);
            if (!rule?.digest) {
              await store.closeDigest(deps.db, d.id, null);
              continue;
            }
            const single = d.count === 1;
            const data: Values = { ...d.data, actor: d.actors[0] ?? '', others: d.count - 1, count: d.count };
            const r = await sendWith(system, rule, single ? rule.templateKey : rule.digest.templateKey, [d.userId], data, { kind: 'digest', dedupeKey: `digest:${d.id}`, ruleId: rule.id });
            await store.closeDigest(deps.db, d.id, r.send.id);
            n++;
          } catch (err) {
            deps.log.error({ err, digestId: d.id }, 'digest could not be sent; it will be retried');
          }
        }
        if (due.length < 100) return n;
      }
    },
  };
}

export type Rules = ReturnType<typeof createRules>;

import { z } from 'zod';
import { appIdOf, assertActsFor } from '../../http/auth.ts';
import { AppError } from '../../http/errors.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../http/route.ts';
import { newId } from '../../lib/ids.ts';
import type { Points } from './service.ts';
import type { EntryRow, RuleRow, TypeRow } from './store.ts';
import {
  AdjustBody,
  BalanceOut,
  EarnBody,
  EntryOut,
  EntryResultOut,
  HistoryQuery,
  IdempotencyKey,
  LeaderboardQuery,
  PutTypeBody,
  RuleBody,
  RuleOut,
  RuleParams,
  RulePatch,
  SpendBody,
  TypeOut,
  TypeParams,
  UserParams,
  UserTypeParams,
} from './types.ts';

export const presentEntry = (e: EntryRow) => ({
  id: String(e.id),
  user_id: e.userId,
  type: e.type,
  kind: e.kind,
  amount: e.amount,
  balance_after: e.balanceAfter,
  reason: e.reason,
  source: e.sourceType ? { type: e.sourceType, id: e.sourceId } : null,
  rule_id: e.ruleId,
  idempotency_key: e.idemKey,
  actor: { type: e.actorType, id: e.actorId },
  expires_at: iso(e.expiresAt),
  lots: e.lots ? e.lots.map(([id, amount, exp]) => ({ lot_id: String(id), amount: Number(amount), expires_at: exp ? new Date(exp).toISOString() : null })) : null,
  refund_of: e.refundOf === null ? null : String(e.refundOf),
  created_at: e.createdAt.toISOString(),
});

const presentType = (t: TypeRow) => ({ key: t.key, name: t.name, description: t.description, expiry: t.expiry, created_at: t.createdAt.toISOString(), updated_at: t.updatedAt.toISOString() });

const presentRule = (r: RuleRow) => ({
  id: r.id,
  name: r.name,
  source: r.source,
  event: r.event,
  conditions: r.conditions,
  user: r.userPath ?? 'actor',
  type: r.type,
  amount: r.amount,
  daily_cap: r.dailyCap,
  weekly_cap: r.weeklyCap,
  total_cap: r.totalCap,
  timezone: r.timezone,
  expires_in_days: r.expiresInDays,
  active: r.active,
  experiment: r.experiment ?? null,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

const tags = ['Points'];
const EntryCursor = z.object({ id: z.number().int() });

export function pointsRoutes(api: Api, deps: { points: Points; ctx: RequestCtx }): void {
  const { points, ctx } = deps;

  // ---- types ------------------------------------------------------------------------------------

  api.put(
    '/v1/points/types/:type',
    {
      config: { auth: { secret: true, operator: 'points.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Define or update a point type (points, growth value, make-up cards…) and its expiry policy',
        description: 'A changed expiry policy applies to credits made afterwards; existing lots keep their dates.',
        params: TypeParams,
        body: PutTypeBody,
        response: { 200: TypeOut, 201: TypeOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const r = await points.putType(ctx(req), appIdOf(req), req.params.type, req.body);
      return reply.code(r.created ? 201 : 200).send(presentType(r.row));
    },
  );

  api.get(
    '/v1/points/types',
    {
      config: { auth: { secret: true, user: true, operator: 'points.read' } },
      schema: { tags, summary: 'Point types of the app', response: { 200: z.object({ data: z.array(TypeOut) }), ...errors(401, 403) } },
    },
    async (req) => ({ data: (await points.listTypes(ctx(req), appIdOf(req))).map(presentType) }),
  );

  // ---- balances and history ---------------------------------------------------------------------

  api.get(
    '/v1/users/:userId/points',
    {
      config: { auth: { secret: true, user: true, operator: 'points.read' } },
      schema: {
        tags,
        summary: "All of a user's balances",
        params: UserParams,
        response: { 200: z.object({ data: z.array(BalanceOut.omit({ expiring: true })) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const rows = await points.balances(ctx(req), appIdOf(req), req.params.userId);
      return { data: rows.map((b) => ({ type: b.type, balance: b.balance, earned: b.earned, spent: b.spent, expired: b.expired })) };
    },
  );

  api.get(
    '/v1/users/:userId/points/:type',
    {
      config: { auth: { secret: true, user: true, operator: 'points.read' } },
      schema: {
        tags,
        summary: 'A balance and what of it expires when',
        description: 'Lots already due are expired before answering, so the balance is exact even between runs of the expiry job.',
        params: UserTypeParams,
        response: { 200: BalanceOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const b = await points.balance(ctx(req), appIdOf(req), req.params.userId, req.params.type);
      return { type: b.type, balance: b.balance, earned: b.earned, spent: b.spent, expired: b.expired, expiring: b.expiring.map((x) => ({ expires_at: x.expiresAt.toISOString(), amount: x.amount })) };
    },
  );

  api.get(
    '/v1/users/:userId/points/:type/entries',
    {
      config: { auth: { secret: true, user: true, operator: 'points.read' } },
      schema: {
        tags,
        summary: "A user's ledger entries of one type, newest first, with reasons and sources",
        params: UserTypeParams,
        querystring: z.strictObject({ ...pageQuery, kind: HistoryQuery.kind }),
        response: { 200: pageSchema(EntryOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const q = req.query;
      const cur = decodeCursor(q.cursor, EntryCursor);
      const rows = await points.history(ctx(req), appIdOf(req), { limit: q.limit + 1, beforeId: cur?.id, userId: req.params.userId, type: req.params.type, kind: q.kind });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return { data: p.data.map(presentEntry), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/points/leaderboard',
    {
      config: { auth: { secret: true, user: true, publishable: true, operator: 'points.read' } },
      schema: {
        tags,
        summary: 'Leaderboard of users by points earned in the current day, week or month (or all time, or by balance), with one user\'s exact rank',
        description:
          'Ranks are competition ranks (equal scores share a rank: 1, 2, 2, 4); users with no positive score are not ranked. `me` is the standing of `user_id`, or of the user token\'s user, exact however far down the list. A publishable key alone reads the list but not a given user\'s standing.',
        querystring: LeaderboardQuery,
        response: {
          200: z.object({
            type: z.string(),
            period: z.enum(['day', 'week', 'month', 'all']),
            rank_by: z.enum(['earned', 'balance']),
            timezone: z.string(),
            from: z.string().nullable().describe('First local day of the period (null for all time)'),
            to: z.string().nullable().describe('The local day after the period'),
            data: z.array(z.object({ rank: z.number().int(), user_id: z.string(), score: z.number() })),
            me: z.object({ user_id: z.string(), rank: z.number().int().nullable(), score: z.number() }).nullable(),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.user_id !== undefined && req.principal.kind === 'publishable') throw new AppError('auth.forbidden', 'A publishable key alone cannot read a user’s standing; send the user token', { field: 'query.user_id' });
      if (q.user_id !== undefined) assertActsFor(req, q.user_id);
      const userId = q.user_id ?? (req.principal.kind === 'user' ? req.principal.userId : undefined);
      const r = await points.leaderboard(ctx(req), appIdOf(req), { type: q.type, period: q.period, timeZone: q.timezone, basis: q.rank_by, limit: q.limit, userId });
      return {
        type: q.type,
        period: q.period,
        rank_by: q.rank_by,
        timezone: q.timezone,
        from: r.bounds?.from ?? null,
        to: r.bounds?.to ?? null,
        data: r.rows.map((x) => ({ rank: x.rank, user_id: x.userId, score: x.score })),
        me: r.me && { user_id: r.me.userId, rank: r.me.rank, score: r.me.score },
      };
    },
  );

  api.get(
    '/v1/points/entries',
    {
      config: { auth: { secret: true, operator: 'points.read' } },
      schema: {
        tags,
        summary: 'The ledger of the app, newest first; filter by user, type, kind, source or rule',
        querystring: z.strictObject({ ...pageQuery, user_id: externalId('user_id').optional(), ...HistoryQuery }),
        response: { 200: pageSchema(EntryOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, EntryCursor);
      const rows = await points.history(ctx(req), appIdOf(req), {
        limit: q.limit + 1,
        beforeId: cur?.id,
        userId: q.user_id,
        type: q.type,
        kind: q.kind,
        sourceType: q.source_type,
        sourceId: q.source_id,
        ruleId: q.rule_id,
      });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return { data: p.data.map(presentEntry), next_cursor: p.next_cursor };
    },
  );

  // ---- writes -----------------------------------------------------------------------------------

  const written = (r: { entry: EntryRow; replayed: boolean }) => ({ ...presentEntry(r.entry), replayed: r.replayed });

  api.post(
    '/v1/users/:userId/points/earn',
    {
      config: { auth: { secret: true }, audit: { exempt: "Routine crediting for the user's activity; each change is a points-ledger entry with its reason and reference" } },
      schema: {
        tags,
        summary: 'Credit points (from the host backend)',
        description: 'Idempotent by `idempotency_key` (unique per app): a replay answers 200 with the original entry and `replayed: true`; the same key for a different change is 409 points.idempotency_conflict.',
        params: UserParams,
        body: EarnBody,
        response: { 200: EntryResultOut, 201: EntryResultOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await points.earn(ctx(req), appIdOf(req), {
        userId: req.params.userId,
        type: b.type,
        amount: b.amount,
        key: b.idempotency_key,
        reason: b.reason,
        source: b.source,
        expiresAt: b.expires_at ? new Date(b.expires_at) : null,
        expiresInDays: b.expires_in_days,
      });
      return reply.code(r.replayed ? 200 : 201).send(written(r));
    },
  );

  api.post(
    '/v1/users/:userId/points/spend',
    {
      config: { auth: { secret: true }, audit: { exempt: "Routine debiting for the user's purchase; each change is a points-ledger entry with its reason and reference" } },
      schema: {
        tags,
        summary: 'Debit points (from the host backend); never below zero',
        description: 'Consumes the soonest-expiring credits first. More than the balance is 409 points.insufficient_balance. Idempotent by `idempotency_key`.',
        params: UserParams,
        body: SpendBody,
        response: { 200: EntryResultOut, 201: EntryResultOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await points.spend(ctx(req), appIdOf(req), { userId: req.params.userId, type: b.type, amount: b.amount, key: b.idempotency_key, reason: b.reason, source: b.source });
      return reply.code(r.replayed ? 200 : 201).send(written(r));
    },
  );

  api.post(
    '/v1/users/:userId/points/adjust',
    {
      config: { auth: { secret: true, operator: 'points.adjust' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Correct a balance up or down, with a reason (audited)',
        description: 'A negative adjustment larger than the balance is 409 points.insufficient_balance. Recorded in the ledger and in the audit log.',
        params: UserParams,
        body: AdjustBody,
        response: { 200: EntryResultOut, 201: EntryResultOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await points.adjust(ctx(req), appIdOf(req), { userId: req.params.userId, type: b.type, amount: b.amount, reason: b.reason, key: b.idempotency_key });
      return reply.code(r.replayed ? 200 : 201).send(written(r));
    },
  );

  api.post(
    '/v1/points/refunds',
    {
      config: { auth: { secret: true, operator: 'points.adjust' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Give back a debit in full; the points keep their original expiry dates',
        description:
          'A debit is refunded at most once, whichever way (this call, or cancelling the mall order that spent it): a second refund under another idempotency_key is 409 points.already_refunded (details name the refund entry); the same idempotency_key replays the refund (200).',
        body: z.strictObject({ debit_idempotency_key: IdempotencyKey.describe('The idempotency key of the spend to give back'), idempotency_key: IdempotencyKey, reason: z.string().min(1).max(500).optional() }),
        response: { 200: EntryResultOut, 201: EntryResultOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const r = await points.refund(ctx(req), appIdOf(req), { debitKey: req.body.debit_idempotency_key, key: req.body.idempotency_key, reason: req.body.reason ?? null });
      return reply.code(r.replayed ? 200 : 201).send(written(r));
    },
  );

  // ---- earn rules -------------------------------------------------------------------------------

  api.post(
    '/v1/points/rules',
    {
      config: { auth: { secret: true, operator: 'points.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create an earn rule: an event gives N points, within caps',
        description: 'Each occurrence (event id) grants at most once per rule; a grant is clipped to what the daily, weekly and total caps still allow. A level multiplier, when levels define one, scales the amount.',
        body: RuleBody,
        response: { 201: RuleOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(presentRule(await points.createRule(ctx(req), appIdOf(req), req.body, newId('rule')))),
  );

  api.get(
    '/v1/points/rules',
    {
      config: { auth: { secret: true, operator: 'points.read' } },
      schema: {
        tags,
        summary: 'Earn rules',
        querystring: z.strictObject({ ...pageQuery, event: z.string().min(1).max(200).optional(), active: z.enum(['true', 'false']).optional() }),
        response: { 200: pageSchema(RuleOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ id: z.string() }));
      const rows = await points.listRules(ctx(req), appIdOf(req), { limit: q.limit + 1, afterId: cur?.id, event: q.event, active: q.active === undefined ? undefined : q.active === 'true' });
      const p = page(rows, q.limit, (r) => ({ id: r.id }));
      return { data: p.data.map(presentRule), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/points/rules/:ruleId',
    {
      config: { auth: { secret: true, operator: 'points.read' } },
      schema: { tags, summary: 'An earn rule', params: RuleParams, response: { 200: RuleOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentRule(await points.getRule(ctx(req), appIdOf(req), req.params.ruleId)),
  );

  api.patch(
    '/v1/points/rules/:ruleId',
    {
      config: { auth: { secret: true, operator: 'points.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Change an earn rule (or pause it with active: false)', params: RuleParams, body: RulePatch, response: { 200: RuleOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentRule(await points.updateRule(ctx(req), appIdOf(req), req.params.ruleId, req.body)),
  );

  api.delete(
    '/v1/points/rules/:ruleId',
    {
      config: { auth: { secret: true, operator: 'points.manage' }, audit: 'recorded' },
      schema: { tags, summary: 'Delete an earn rule (its past entries stay in the ledger)', params: RuleParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      await points.deleteRule(ctx(req), appIdOf(req), req.params.ruleId);
      return reply.code(204).send(null);
    },
  );
}

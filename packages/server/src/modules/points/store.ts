// All SQL of the points ledger. The money paths are single statements (or a lock then a
// statement) so that the invariants in schema.ts hold under any concurrency:
//   - a credit upserts the balance row (taking its row lock), writes the entry and its lot in ONE
//     statement; a concurrent replay of the key fails on the unique index and rolls back whole;
//   - a debit first locks the balance row, then, in a new statement (whose snapshot therefore
//     sees every lot change committed by earlier lock holders), consumes lots and writes the entry.
import { and, asc, desc, eq, gt, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { preparedSql } from '../../db/prepared.ts';
import { date, dateOrNull, num, pgArray } from '../../db/raw.ts';
import { balances, entries, lots, pointTypes, ruleUsage, rules, type ExpiryPolicy } from './schema.ts';

export type EntryRow = typeof entries.$inferSelect;
export type BalanceRow = typeof balances.$inferSelect;
export type TypeRow = typeof pointTypes.$inferSelect;
export type RuleRow = typeof rules.$inferSelect;
export type EntryKind = EntryRow['kind'];

type RawEntry = {
  id: number;
  app_id: string;
  user_id: string;
  type: string;
  kind: EntryKind;
  amount: number;
  balance_after: number;
  idem_key: string;
  fingerprint: string;
  reason: string | null;
  source_type: string | null;
  source_id: string | null;
  rule_id: string | null;
  actor_type: string;
  actor_id: string | null;
  expires_at: Date | null;
  lots: [number, number, string | null][] | null;
  refund_of: number | null;
  created_at: Date;
  replayed: boolean;
};

function toEntry(r: RawEntry): EntryRow {
  return {
    id: num(r.id),
    appId: r.app_id,
    userId: r.user_id,
    type: r.type,
    kind: r.kind,
    amount: num(r.amount),
    balanceAfter: num(r.balance_after),
    idemKey: r.idem_key,
    fingerprint: r.fingerprint,
    reason: r.reason,
    sourceType: r.source_type,
    sourceId: r.source_id,
    ruleId: r.rule_id,
    actorType: r.actor_type,
    actorId: r.actor_id,
    expiresAt: dateOrNull(r.expires_at),
    lots: r.lots,
    refundOf: r.refund_of === null ? null : num(r.refund_of),
    createdAt: date(r.created_at),
  };
}

export type EntryWrite = {
  appId: string;
  userId: string;
  type: string;
  kind: EntryKind;
  /** Positive for credits and debits alike; the sign is the statement's business. */
  amount: number;
  key: string;
  fingerprint: string;
  reason: string | null;
  sourceType: string | null;
  sourceId: string | null;
  ruleId: string | null;
  actorType: string;
  actorId: string | null;
  now: Date;
};

// ---- credits ------------------------------------------------------------------------------------

const p = sql.placeholder;

/** The credit statement, prepared once (db/prepared.ts): the ledger's hottest write. */
const creditStatement = preparedSql<RawEntry>('pt_credit', sql`
    with dup as (
      select id from pt_entries where app_id = ${p('appId')} and idem_key = ${p('key')}
    ), bal as (
      insert into pt_balances as b (app_id, user_id, type, balance, earned, updated_at)
      select ${p('appId')}, ${p('userId')}, ${p('type')}, ${p('amount')}::bigint, ${p('earned')}::bigint, ${p('now')}::timestamptz
      where not exists (select 1 from dup)
      on conflict (app_id, user_id, type) do update
        set balance = b.balance + excluded.balance, earned = b.earned + excluded.earned, updated_at = excluded.updated_at
      returning balance
    ), ins as (
      insert into pt_entries (app_id, user_id, type, kind, amount, balance_after, idem_key, fingerprint, reason, source_type, source_id, rule_id, actor_type, actor_id, expires_at, created_at)
      select ${p('appId')}, ${p('userId')}, ${p('type')}, ${p('kind')}, ${p('amount')}::bigint, bal.balance, ${p('key')}, ${p('fingerprint')}, ${p('reason')}, ${p('sourceType')}, ${p('sourceId')}, ${p('ruleId')},
             ${p('actorType')}, ${p('actorId')}, ${p('expiresAt')}::timestamptz, ${p('now')}::timestamptz
      from bal
      returning *
    ), lot as (
      insert into pt_lots (app_id, user_id, type, entry_id, amount, remaining, expires_at, created_at)
      select app_id, user_id, type, id, amount, amount, expires_at, created_at from ins
    )
    select ins.*, false as replayed from ins
    union all
    select e.*, true as replayed from pt_entries e where e.app_id = ${p('appId')} and e.id = (select id from dup)`);

/**
 * Adds `amount` to the balance, writes the entry and a lot expiring at `expiresAt`, in one
 * statement. If the key was already used, nothing is written and the original entry comes back
 * with `replayed: true`. A concurrent first use of the same key raises a unique violation (23505)
 * and writes nothing; the caller retries and then finds the original.
 */
export async function credit(db: Db, w: EntryWrite & { expiresAt: Date | null; earned: number }): Promise<{ entry: EntryRow; replayed: boolean }> {
  const res = await creditStatement(db, w);
  const r = res.rows[0];
  if (!r) throw new Error('credit wrote nothing and found no original entry');
  return { entry: toEntry(r), replayed: r.replayed };
}

/**
 * Many credits of one app in one statement (earn rules over a run of events): keys already in the
 * ledger are skipped, each balance row is upserted once (in user order, so concurrent runs lock
 * alike) and every entry gets its running balance in input order, with its lot. A concurrent first
 * use of one of the keys raises a unique violation and writes nothing; the caller goes one by one.
 * Returns the entries written.
 */
export async function creditMany(db: Db, appId: string, ws: (Omit<EntryWrite, 'appId'> & { expiresAt: Date | null })[]): Promise<EntryRow[]> {
  if (ws.length === 0) return [];
  const col = <T>(f: (w: (typeof ws)[number]) => T) => pgArray(ws.map(f) as never);
  const now = ws[0]!.now;
  const res = await db.execute<RawEntry>(sql`
    with input as (
      select * from unnest(${col((w) => w.userId)}::text[], ${col((w) => w.type)}::text[], ${col((w) => w.kind)}::text[], ${col((w) => w.amount)}::bigint[],
                           ${col((w) => w.key)}::text[], ${col((w) => w.fingerprint)}::text[], ${col((w) => w.reason)}::text[], ${col((w) => w.sourceType)}::text[],
                           ${col((w) => w.sourceId)}::text[], ${col((w) => w.ruleId)}::text[], ${col((w) => w.actorType)}::text[], ${col((w) => w.actorId)}::text[],
                           ${col((w) => (w.expiresAt ? w.expiresAt.toISOString() : null))}::timestamptz[])
        with ordinality as t(user_id, type, kind, amount, idem_key, fingerprint, reason, source_type, source_id, rule_id, actor_type, actor_id, expires_at, ord)
    ), fresh as (
      select * from input i where not exists (select 1 from pt_entries e where e.app_id = ${appId} and e.idem_key = i.idem_key)
    ), bal as (
      insert into pt_balances as b (app_id, user_id, type, balance, earned, updated_at)
      select ${appId}, user_id, type, sum(amount), sum(amount), ${now}::timestamptz from fresh group by user_id, type order by user_id, type
      on conflict (app_id, user_id, type) do update
        set balance = b.balance + excluded.balance, earned = b.earned + excluded.earned, updated_at = excluded.updated_at
      returning user_id, type, balance
    ), ins as (
      insert into pt_entries (app_id, user_id, type, kind, amount, balance_after, idem_key, fingerprint, reason, source_type, source_id, rule_id, actor_type, actor_id, expires_at, created_at)
      select ${appId}, f.user_id, f.type, f.kind, f.amount, bal.balance - (sum(f.amount) over (partition by f.user_id, f.type order by f.ord desc) - f.amount),
             f.idem_key, f.fingerprint, f.reason, f.source_type, f.source_id, f.rule_id, f.actor_type, f.actor_id, f.expires_at, ${now}::timestamptz
      from fresh f join bal on bal.user_id = f.user_id and bal.type = f.type
      order by f.ord
      returning *
    ), lot as (
      insert into pt_lots (app_id, user_id, type, entry_id, amount, remaining, expires_at, created_at)
      select app_id, user_id, type, id, amount, amount, expires_at, created_at from ins
    )
    select ins.*, false as replayed from ins order by id`);
  return res.rows.map(toEntry);
}

/** Restores consumed lots (a refund keeps the points' original expiry), one statement, lock held. */
export async function creditLots(db: Db, w: EntryWrite & { refundOf: number; parts: { amount: number; expiresAt: Date | null }[] }): Promise<{ entry: EntryRow; replayed: boolean }> {
  const amounts = w.parts.map((p) => p.amount);
  const expiries = w.parts.map((p) => (p.expiresAt ? p.expiresAt.toISOString() : null));
  const res = await db.execute<RawEntry>(sql`
    with dup as (
      select id from pt_entries where app_id = ${w.appId} and idem_key = ${w.key}
    ), bal as (
      update pt_balances set balance = balance + ${w.amount}::bigint, spent = spent - ${w.amount}::bigint, updated_at = ${w.now}::timestamptz
      where app_id = ${w.appId} and user_id = ${w.userId} and type = ${w.type} and not exists (select 1 from dup)
      returning balance
    ), ins as (
      insert into pt_entries (app_id, user_id, type, kind, amount, balance_after, idem_key, fingerprint, reason, source_type, source_id, rule_id, actor_type, actor_id, refund_of, created_at)
      select ${w.appId}, ${w.userId}, ${w.type}, ${w.kind}, ${w.amount}::bigint, bal.balance, ${w.key}, ${w.fingerprint}, ${w.reason}, ${w.sourceType}, ${w.sourceId}, ${w.ruleId},
             ${w.actorType}, ${w.actorId}, ${w.refundOf}::bigint, ${w.now}::timestamptz
      from bal
      returning *
    ), lot as (
      insert into pt_lots (app_id, user_id, type, entry_id, amount, remaining, expires_at, created_at)
      select ins.app_id, ins.user_id, ins.type, ins.id, p.amount, p.amount, p.expires_at, ins.created_at
      from ins, unnest(${pgArray(amounts)}::bigint[], ${pgArray(expiries)}::timestamptz[]) as p(amount, expires_at)
    )
    select ins.*, false as replayed from ins
    union all
    select e.*, true as replayed from pt_entries e where e.app_id = ${w.appId} and e.id = (select id from dup)`);
  const r = res.rows[0];
  if (!r) throw new Error('refund wrote nothing: the balance row is missing');
  return { entry: toEntry(r), replayed: r.replayed };
}

// ---- debits -------------------------------------------------------------------------------------

/**
 * Locks the user's balance row of this type for the rest of the transaction. Also says whether
 * the key was already used and whether lots are due to expire. No row: the user never had any.
 */
const lockBalanceStatement = preparedSql<{ balance: number; dup_id: number | null; due: boolean }>(
  'pt_lock_balance',
  sql`
    select b.balance,
           (select id from pt_entries where app_id = ${p('appId')} and idem_key = ${p('key')}::text) as dup_id,
           exists (select 1 from pt_lots l where l.app_id = b.app_id and l.user_id = b.user_id and l.type = b.type and l.remaining > 0 and l.expires_at <= ${p('now')}::timestamptz) as due
    from pt_balances b where b.app_id = ${p('appId')} and b.user_id = ${p('userId')} and b.type = ${p('type')}
    for update of b`,
);

export async function lockBalance(db: Db, appId: string, userId: string, type: string, key: string | null, now: Date): Promise<{ balance: number; dupId: number | null; due: boolean } | null> {
  // No key: no entry has a NULL key, so dup_id is NULL.
  const res = await lockBalanceStatement(db, { appId, userId, type, key, now });
  const r = res.rows[0];
  return r ? { balance: num(r.balance), dupId: r.dup_id === null ? null : num(r.dup_id), due: r.due } : null;
}

/**
 * Takes `amount` from the balance and from the soonest-expiring lots (oldest first among equals),
 * and writes the entry listing the lots it consumed. The caller holds the balance lock and has
 * checked the balance covers the amount; the CHECK constraint is the last line of defence.
 */
const debitStatement = preparedSql<RawEntry>('pt_debit', sql`
    with pick as (
      select id, expires_at,
             least(remaining, greatest(0, ${p('amount')}::bigint - (sum(remaining) over w - remaining)))::bigint as take
      from pt_lots
      where app_id = ${p('appId')} and user_id = ${p('userId')} and type = ${p('type')} and remaining > 0
      window w as (order by expires_at nulls last, id)
    ), used as (
      update pt_lots l set remaining = l.remaining - p.take
      from pick p where l.id = p.id and p.take > 0
      returning l.id, p.take, l.expires_at
    ), bal as (
      update pt_balances set balance = balance - ${p('amount')}::bigint, spent = spent + ${p('spent')}::bigint, updated_at = ${p('now')}::timestamptz
      where app_id = ${p('appId')} and user_id = ${p('userId')} and type = ${p('type')}
      returning balance
    ), ins as (
      insert into pt_entries (app_id, user_id, type, kind, amount, balance_after, idem_key, fingerprint, reason, source_type, source_id, rule_id, actor_type, actor_id, lots, created_at)
      select ${p('appId')}, ${p('userId')}, ${p('type')}, ${p('kind')}, -${p('amount')}::bigint, bal.balance, ${p('key')}, ${p('fingerprint')}, ${p('reason')}, ${p('sourceType')}, ${p('sourceId')}, ${p('ruleId')},
             ${p('actorType')}, ${p('actorId')},
             (select jsonb_agg(jsonb_build_array(u.id, u.take, u.expires_at) order by u.expires_at nulls last, u.id) from used u),
             ${p('now')}::timestamptz
      from bal
      returning *
    )
    select ins.*, false as replayed from ins`);

export async function debit(db: Db, w: EntryWrite & { spent: number }): Promise<EntryRow> {
  const res = await debitStatement(db, w);
  const r = res.rows[0];
  if (!r) throw new Error('debit found no balance row');
  const entry = toEntry(r);
  const taken = (entry.lots ?? []).reduce((s, l) => s + Number(l[1]), 0);
  // balance = sum(lots.remaining) is an invariant; if it ever broke, refuse rather than drift.
  if (taken !== w.amount) throw new Error(`ledger invariant broken: lots covered ${taken} of ${w.amount} for ${w.appId}/${w.userId}/${w.type}`);
  return entry;
}

/** Expires every due lot of one user and type, one entry per lot. The caller holds the balance lock. */
export async function expireDueLots(db: Db, appId: string, userId: string, type: string, now: Date): Promise<{ count: number; total: number }> {
  const res = await db.execute<{ n: number; total: number }>(sql`
    with d as (
      select id, remaining, expires_at from pt_lots
      where app_id = ${appId} and user_id = ${userId} and type = ${type} and remaining > 0 and expires_at <= ${now}::timestamptz
    ), up as (
      update pt_lots l set remaining = 0 from d where l.id = d.id
    ), tot as (
      select coalesce(sum(remaining), 0)::bigint as s from d
    ), bal as (
      update pt_balances b set balance = b.balance - tot.s, expired = b.expired + tot.s, updated_at = ${now}::timestamptz
      from tot where b.app_id = ${appId} and b.user_id = ${userId} and b.type = ${type} and tot.s > 0
      returning b.balance + tot.s as before
    ), ins as (
      insert into pt_entries (app_id, user_id, type, kind, amount, balance_after, idem_key, fingerprint, reason, source_type, source_id, actor_type, actor_id, lots, created_at)
      select ${appId}, ${userId}, ${type}, 'expire', -d.remaining, bal.before - sum(d.remaining) over (order by d.expires_at, d.id),
             'expire:' || d.id, 'expire:' || d.id, 'Points expired', 'lot', d.id::text, 'system', null,
             jsonb_build_array(jsonb_build_array(d.id, d.remaining, d.expires_at)), ${now}::timestamptz
      from d, bal
      returning amount
    )
    select count(*)::int as n, coalesce(-sum(amount), 0)::bigint as total from ins`);
  const r = res.rows[0]!;
  return { count: num(r.n), total: num(r.total) };
}

/** (app, user, type) groups holding due lots, for the expiry job. */
export async function dueGroups(db: Db, now: Date, limit: number): Promise<{ appId: string; userId: string; type: string }[]> {
  const res = await db.execute<{ app_id: string; user_id: string; type: string }>(sql`
    select distinct app_id, user_id, type from pt_lots
    where remaining > 0 and expires_at <= ${now}::timestamptz
    limit ${limit}`);
  return res.rows.map((r) => ({ appId: r.app_id, userId: r.user_id, type: r.type }));
}

// ---- reads --------------------------------------------------------------------------------------

export async function findEntryByKey(db: Db, appId: string, key: string): Promise<EntryRow | undefined> {
  const [r] = await db
    .select()
    .from(entries)
    .where(and(eq(entries.appId, appId), eq(entries.idemKey, key)));
  return r;
}

/** The refund already written for a debit, if any (at most one: pt_entries_refund_of). */
export async function findRefundOf(db: Db, appId: string, debitId: number): Promise<EntryRow | undefined> {
  const [r] = await db
    .select()
    .from(entries)
    .where(and(eq(entries.appId, appId), eq(entries.refundOf, debitId)));
  return r;
}

export async function findEntry(db: Db, appId: string, id: number): Promise<EntryRow | undefined> {
  const [r] = await db
    .select()
    .from(entries)
    .where(and(eq(entries.appId, appId), eq(entries.id, id)));
  return r;
}

export type EntryQuery = { limit: number; beforeId?: number | undefined; userId?: string | undefined; type?: string | undefined; kind?: EntryKind | undefined; sourceType?: string | undefined; sourceId?: string | undefined; ruleId?: string | undefined };

/** Newest first. */
export async function listEntries(db: Db, appId: string, q: EntryQuery): Promise<EntryRow[]> {
  const conds: SQL[] = [eq(entries.appId, appId)];
  if (q.beforeId !== undefined) conds.push(lt(entries.id, q.beforeId));
  if (q.userId !== undefined) conds.push(eq(entries.userId, q.userId));
  if (q.type !== undefined) conds.push(eq(entries.type, q.type));
  if (q.kind !== undefined) conds.push(eq(entries.kind, q.kind));
  if (q.sourceType !== undefined) conds.push(eq(entries.sourceType, q.sourceType));
  if (q.sourceId !== undefined) conds.push(eq(entries.sourceId, q.sourceId));
  if (q.ruleId !== undefined) conds.push(eq(entries.ruleId, q.ruleId));
  return db
    .select()
    .from(entries)
    .where(and(...conds))
    .orderBy(desc(entries.id))
    .limit(q.limit);
}

export type BalanceView = { type: string; balance: number; earned: number; spent: number; expired: number; due: number };

/** Every balance of a user, with the amount in lots already due to expire (the job may not have run yet). */
export async function userBalances(db: Db, appId: string, userId: string, now: Date, type?: string): Promise<BalanceView[]> {
  const res = await db.execute<{ type: string; balance: number; earned: number; spent: number; expired: number; due: number }>(sql`
    select b.type, b.balance, b.earned, b.spent, b.expired,
           coalesce((select sum(l.remaining) from pt_lots l
                     where l.app_id = b.app_id and l.user_id = b.user_id and l.type = b.type and l.remaining > 0 and l.expires_at <= ${now}::timestamptz), 0)::bigint as due
    from pt_balances b
    where b.app_id = ${appId} and b.user_id = ${userId} ${type === undefined ? sql`` : sql`and b.type = ${type}`}
    order by b.type`);
  return res.rows.map((r) => ({ type: r.type, balance: num(r.balance), earned: num(r.earned), spent: num(r.spent), expired: num(r.expired), due: num(r.due) }));
}

/** The balance of one type for each of these users who has one. */
export async function balancesOf(db: Db, appId: string, userIds: string[], type: string): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select({ userId: balances.userId, balance: balances.balance })
    .from(balances)
    .where(and(eq(balances.appId, appId), eq(balances.type, type), inArray(balances.userId, userIds)));
  return new Map(rows.map((r) => [r.userId, num(r.balance)]));
}

/** Upcoming expiries: the remaining amount per expiry instant, soonest first. */
export async function expiringLots(db: Db, appId: string, userId: string, type: string, limit: number): Promise<{ expiresAt: Date; amount: number }[]> {
  const res = await db.execute<{ expires_at: Date; amount: number }>(sql`
    select expires_at, sum(remaining)::bigint as amount from pt_lots
    where app_id = ${appId} and user_id = ${userId} and type = ${type} and remaining > 0 and expires_at is not null
    group by expires_at order by expires_at limit ${limit}`);
  return res.rows.map((r) => ({ expiresAt: date(r.expires_at), amount: num(r.amount) }));
}

/** Sum of entries and of lots per (user, type) of an app: both must equal the balance (tests, audits). */
export async function reconcile(db: Db, appId: string): Promise<{ userId: string; type: string; balance: number; entries: number; lots: number }[]> {
  const res = await db.execute<{ user_id: string; type: string; balance: number; entries: number; lots: number }>(sql`
    select b.user_id, b.type, b.balance,
           coalesce((select sum(amount) from pt_entries e where e.app_id = b.app_id and e.user_id = b.user_id and e.type = b.type), 0)::bigint as entries,
           coalesce((select sum(remaining) from pt_lots l where l.app_id = b.app_id and l.user_id = b.user_id and l.type = b.type), 0)::bigint as lots
    from pt_balances b where b.app_id = ${appId} order by b.user_id, b.type`);
  return res.rows.map((r) => ({ userId: r.user_id, type: r.type, balance: num(r.balance), entries: num(r.entries), lots: num(r.lots) }));
}

// ---- types --------------------------------------------------------------------------------------

export async function upsertType(db: Db, appId: string, key: string, t: { name: string; description: string | null; expiry: ExpiryPolicy }): Promise<{ row: TypeRow; created: boolean }> {
  const [r] = await db
    .insert(pointTypes)
    .values({ appId, key, name: t.name, description: t.description, expiry: t.expiry })
    .onConflictDoUpdate({ target: [pointTypes.appId, pointTypes.key], set: { name: t.name, description: t.description, expiry: t.expiry, updatedAt: sql`now()` } })
    .returning({ appId: pointTypes.appId, key: pointTypes.key, name: pointTypes.name, description: pointTypes.description, expiry: pointTypes.expiry, createdAt: pointTypes.createdAt, updatedAt: pointTypes.updatedAt, created: sql<boolean>`(xmax = 0)` });
  const { created, ...row } = r!;
  return { row, created };
}

export async function findType(db: Db, appId: string, key: string): Promise<TypeRow | undefined> {
  const [r] = await db
    .select()
    .from(pointTypes)
    .where(and(eq(pointTypes.appId, appId), eq(pointTypes.key, key)));
  return r;
}

export async function listTypes(db: Db, appId: string): Promise<TypeRow[]> {
  return db.select().from(pointTypes).where(eq(pointTypes.appId, appId)).orderBy(asc(pointTypes.key));
}

// ---- rules --------------------------------------------------------------------------------------

export type RuleWrite = Omit<typeof rules.$inferInsert, 'createdAt' | 'updatedAt'>;

export async function insertRule(db: Db, r: RuleWrite): Promise<RuleRow> {
  const [row] = await db.insert(rules).values(r).returning();
  return row!;
}

export async function updateRule(db: Db, appId: string, id: string, patch: Partial<RuleWrite>): Promise<RuleRow | undefined> {
  const [row] = await db
    .update(rules)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(rules.appId, appId), eq(rules.id, id)))
    .returning();
  return row;
}

export async function deleteRule(db: Db, appId: string, id: string): Promise<RuleRow | undefined> {
  const [row] = await db
    .delete(rules)
    .where(and(eq(rules.appId, appId), eq(rules.id, id)))
    .returning();
  if (row) await db.delete(ruleUsage).where(and(eq(ruleUsage.appId, appId), eq(ruleUsage.ruleId, id)));
  return row;
}

export async function findRule(db: Db, appId: string, id: string): Promise<RuleRow | undefined> {
  const [row] = await db
    .select()
    .from(rules)
    .where(and(eq(rules.appId, appId), eq(rules.id, id)));
  return row;
}

export async function listRules(db: Db, appId: string, q: { limit: number; afterId?: string | undefined; event?: string | undefined; active?: boolean | undefined }): Promise<RuleRow[]> {
  const conds: SQL[] = [eq(rules.appId, appId)];
  if (q.afterId !== undefined) conds.push(gt(rules.id, q.afterId));
  if (q.event !== undefined) conds.push(eq(rules.event, q.event));
  if (q.active !== undefined) conds.push(eq(rules.active, q.active));
  return db
    .select()
    .from(rules)
    .where(and(...conds))
    .orderBy(asc(rules.id))
    .limit(q.limit);
}

export async function activeRules(db: Db, appId: string): Promise<RuleRow[]> {
  return db
    .select()
    .from(rules)
    .where(and(eq(rules.appId, appId), eq(rules.active, true)));
}

/**
 * Locks the usage counters a grant reads (creating missing ones at 0) and returns what they hold,
 * in lock order: the rule total (user '') first, then the user's day and week rows.
 */
export async function lockUsage(db: Db, appId: string, ruleId: string, counters: { userId: string; period: string }[]): Promise<{ userId: string; period: string; amount: number }[]> {
  if (counters.length === 0) return [];
  const users = counters.map((c) => c.userId);
  const periods = counters.map((c) => c.period);
  await db.execute(sql`
    insert into pt_rule_usage (app_id, rule_id, user_id, period, amount)
    select ${appId}, ${ruleId}, u, p, 0 from unnest(${pgArray(users)}::text[], ${pgArray(periods)}::text[]) as x(u, p)
    on conflict do nothing`);
  const res = await db.execute<{ user_id: string; period: string; amount: number }>(sql`
    select user_id, period, amount from pt_rule_usage
    where app_id = ${appId} and rule_id = ${ruleId}
      and (user_id, period) in (select * from unnest(${pgArray(users)}::text[], ${pgArray(periods)}::text[]))
    order by user_id, period
    for update`);
  return res.rows.map((r) => ({ userId: r.user_id, period: r.period, amount: num(r.amount) }));
}

export async function addUsage(db: Db, appId: string, ruleId: string, counters: { userId: string; period: string }[], amount: number): Promise<void> {
  if (counters.length === 0) return;
  await db.execute(sql`
    update pt_rule_usage set amount = amount + ${amount}::bigint
    where app_id = ${appId} and rule_id = ${ruleId}
      and (user_id, period) in (select * from unnest(${pgArray(counters.map((c) => c.userId))}::text[], ${pgArray(counters.map((c) => c.period))}::text[]))`);
}

/** Day and week counters older than `before` no longer cap anything. */
export async function purgeUsage(db: Db, before: Date): Promise<number> {
  const res = await db.execute(sql`delete from pt_rule_usage where period <> 'all' and created_at < ${before}::timestamptz`);
  return res.rowCount ?? 0;
}

// ---- erasure ------------------------------------------------------------------------------------

export async function deleteUserData(db: Db, appId: string, userId: string): Promise<void> {
  await db.delete(lots).where(and(eq(lots.appId, appId), eq(lots.userId, userId)));
  await db.delete(entries).where(and(eq(entries.appId, appId), eq(entries.userId, userId)));
  await db.delete(balances).where(and(eq(balances.appId, appId), eq(balances.userId, userId)));
  await db.delete(ruleUsage).where(and(eq(ruleUsage.appId, appId), eq(ruleUsage.userId, userId)));
}

/** Everything of a deleted app; types last (balances and rules refer to them). */
export async function eraseApp(db: Db, appId: string): Promise<void> {
  for (const t of [lots, entries, balances, ruleUsage, rules, pointTypes]) await db.delete(t).where(eq(t.appId, appId));
}


/** Host event names this module's configuration listens to, per app (the event log's interest). */
export async function hostInterest(db: Db): Promise<{ appId: string; pattern: string }[]> {
  const r = await db.execute<{ app_id: string; pattern: string }>(sql`select distinct app_id, event as pattern from pt_rules where source = 'event' and active`);
  return r.rows.map((x) => ({ appId: x.app_id, pattern: x.pattern }));
}

// ---- leaderboards -------------------------------------------------------------------------------

export type LeaderBasis = 'earned' | 'balance';
export type LeaderWindow = { from: Date; to: Date } | null;
export type LeaderRow = { userId: string; score: number; rank: number };

/**
 * Each user's score: with a window, the points earned in it (earn entries and positive
 * adjustments, as `pt_balances.earned` counts them); without one, the lifetime `earned` or the
 * current `balance`. Users with no positive score are not ranked.
 */
function scores(appId: string, type: string, window: LeaderWindow, basis: LeaderBasis): SQL {
  if (window) {
    return sql`select user_id, sum(amount)::bigint as score from pt_entries
               where app_id = ${appId} and type = ${type} and amount > 0 and kind in ('earn', 'adjust')
                 and created_at >= ${window.from}::timestamptz and created_at < ${window.to}::timestamptz
               group by user_id`;
  }
  const col = basis === 'balance' ? sql.raw('balance') : sql.raw('earned');
  return sql`select user_id, ${col} as score from pt_balances where app_id = ${appId} and type = ${type} and ${col} > 0`;
}

/** The top `limit` users, highest score first (ties by user id), with competition ranks (1, 2, 2, 4). */
export async function leaders(db: Db, appId: string, type: string, window: LeaderWindow, basis: LeaderBasis, limit: number): Promise<LeaderRow[]> {
  const res = await db.execute<{ user_id: string; score: number; rank: number }>(sql`
    select user_id, score, rank() over (order by score desc) as rank
    from (${scores(appId, type, window, basis)}) s
    order by score desc, user_id
    limit ${limit}`);
  return res.rows.map((r) => ({ userId: r.user_id, score: num(r.score), rank: num(r.rank) }));
}

/** One user's score and rank (null when they have no positive score), exact however far down. */
export async function standing(db: Db, appId: string, type: string, window: LeaderWindow, basis: LeaderBasis, userId: string): Promise<{ score: number; rank: number | null }> {
  const res = await db.execute<{ score: number | null; above: number }>(sql`
    with s as (${scores(appId, type, window, basis)}),
         me as (select score from s where user_id = ${userId})
    select (select score from me) as score,
           (select count(*) from s where s.score > (select score from me))::int as above`);
  const r = res.rows[0]!;
  return r.score === null ? { score: 0, rank: null } : { score: num(r.score), rank: num(r.above) + 1 };
}

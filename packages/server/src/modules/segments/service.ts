// Segments (分群): users grouped by rules over their traits, their events in a rolling window,
// their points, level, badges, coupons, RFM class, core-user flag, lurking and churn risk, and
// other segments. Facts other modules own are read through the functions app.ts wires in from
// their public services (levels, badges, coupons, analytics' lurkers and churn risk).
//
// Membership is kept two ways. A consumer of the event log (`segments.live`) re-evaluates one user
// when something their segments read changes (an event with a name some rule counts, points,
// traits, a level change, a badge, a coupon of a named template issued/used/released/expired/
// revoked, another segment's membership), in the consumer's transaction; and a job recomputes every
// segment in full on a schedule (users also leave a rolling window, become lurkers, drift into
// churn risk or see a coupon pass its time by doing nothing). Both add
// and remove members with statements that report only what they changed, and announce exactly
// those as `segment.entered` / `segment.left` domain events in the same transaction: an entry is
// announced once however many servers and paths find it.
import type { SQL } from 'drizzle-orm';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import type { EventBus } from '../../events.ts';
import type { ConsumerCtx, HostEvent, LogRow } from '../../events/index.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { inTransaction } from '../../lib/tx.ts';
import type { Audit } from '../audit/index.ts';
import type { Events } from '../events/index.ts';
import type { Points } from '../points/index.ts';
import type { Users } from '../users/index.ts';
import './errors.ts';
import { addEvent, couponFact, dependsOf, emptyFacts, leafKey, leavesOf, matches, type Facts, type Tree } from './rules/evaluate.ts';
import { createRfm } from './rfm/service.ts';
import * as store from './store.ts';
import type { SegmentRow } from './store.ts';
import type { SegmentInput, SegmentPatchInput } from './types.ts';

declare module '../../events.ts' {
  interface DomainEvents {
    'segment.entered': { appId: string; segmentId: string; userId: string };
    'segment.left': { appId: string; segmentId: string; userId: string };
  }
}

export type SegmentsDeps = {
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: Audit;
  users: Users;
  events: Pick<Events, 'ofUsers'>;
  points: Pick<Points, 'balancesOf'>;
  /** Levels and badges (gamification), wired in app.ts from gamification's public service. */
  gamification: {
    levelsOf(ctx: Ctx, appId: string, userIds: string[]): Promise<Map<string, number>>;
    badgesOf(ctx: Ctx, appId: string, userIds: string[]): Promise<{ userId: string; badgeId: string; key: string }[]>;
    badgeExists(ctx: Ctx, appId: string, ref: { id: string } | { key: string }): Promise<boolean>;
  };
  /** Coupon statuses (coupons), wired in app.ts. */
  coupons: {
    statusesOf(ctx: Ctx, appId: string, userIds: string[], templateIds: string[]): Promise<{ userId: string; templateId: string; status: string }[]>;
    templateExists(ctx: Ctx, appId: string, templateId: string): Promise<boolean>;
  };
  /** Lurkers and churn risk, by analytics' definitions (wired in app.ts). */
  activity: {
    lurkersAmong(ctx: Ctx, appId: string, userIds: string[], q: { days: number; visitEvents?: readonly string[] | undefined; interactionEvents: readonly string[] }): Promise<Set<string>>;
    churnRiskAmong(ctx: Ctx, appId: string, userIds: string[], q: { recentDays: number; baselineDays: number; minBaselineDays: number; minDrop: number }): Promise<Set<string>>;
  };
};

/** Users evaluated per transaction in a full computation. */
const PAGE = 500;
/** Members read per query of an export. */
const EXPORT_PAGE = 1000;
const DAY = 86_400_000;
const system: Ctx['actor'] = { type: 'system', id: null };

type Profile = { userId: string; traits: Record<string, unknown> };

export function createSegments(deps: SegmentsDeps) {
  const { db, bus, clock } = deps;
  const notFound = (id: string) => new AppError('segments.not_found', `No segment ${id} in this app`, { segment_id: id });
  // RFM and core users: after each computation, the segments that read them follow.
  const rfm = createRfm({
    db,
    clock,
    audit: deps.audit,
    onComputed: async (appId, what) => {
      for (const s of await store.allSegments(db, appId)) if (dependsOf(s.rules)[what]) await recompute(appId, s.id);
    },
  });

  /** The facts every rule of `trees` needs, for each of `users`, read in `ctx`. */
  async function factsOf(ctx: Ctx, appId: string, trees: Tree[], users: Profile[], now: Date): Promise<Map<string, Facts>> {
    const out = new Map<string, Facts>(users.map((u) => [u.userId, emptyFacts(u.traits)]));
    const ids = users.map((u) => u.userId);
    const leaves = trees.flatMap(leavesOf);
    const eventLeaves = leaves.filter((l) => l.kind === 'event_count' || l.kind === 'event_sum');
    if (eventLeaves.length) {
      const longest = Math.max(...eventLeaves.map((l) => l.within_days));
      const rows = await deps.events.ofUsers(ctx, appId, ids, [...new Set(eventLeaves.map((l) => l.event))], new Date(now.getTime() - longest * DAY));
      for (const r of rows) {
        const f = out.get(r.userId);
        // Each leaf counts only the events inside its own window.
        if (f) addEvent(f.values, eventLeaves.filter((l) => r.ts.getTime() >= now.getTime() - l.within_days * DAY), r);
      }
    }
    for (const type of new Set(leaves.flatMap((l) => (l.kind === 'points_balance' ? [l.points_type] : [])))) {
      const b = await deps.points.balancesOf(ctx, appId, ids, type);
      for (const l of leaves) if (l.kind === 'points_balance' && l.points_type === type) for (const [u, f] of out) f.values.set(leafKey(l), b.get(u) ?? 0);
    }
    if (leaves.some((l) => l.kind === 'rfm_class')) for (const r of await rfm.rfmOf(ctx, appId, ids)) out.get(r.userId)!.rfm = r.class;
    if (leaves.some((l) => l.kind === 'core_user')) for (const r of await rfm.coreOf(ctx, appId, ids)) out.get(r.userId)!.core = r.core;
    if (leaves.some((l) => l.kind === 'level')) for (const [u, level] of await deps.gamification.levelsOf(ctx, appId, ids)) out.get(u)!.level = level;
    if (leaves.some((l) => l.kind === 'badge')) {
      for (const b of await deps.gamification.badgesOf(ctx, appId, ids)) {
        const f = out.get(b.userId);
        f?.badgeIds.add(b.badgeId);
        f?.badgeKeys.add(b.key);
      }
    }
    const templates = [...new Set(leaves.flatMap((l) => (l.kind === 'coupon' ? [l.template_id] : [])))];
    if (templates.length) for (const c of await deps.coupons.statusesOf(ctx, appId, ids, templates)) out.get(c.userId)?.coupons.add(couponFact(c.templateId, c.status));
    // Each distinct lurker / churn_risk leaf is one query over the page (the same leaf in two places is read once).
    const asked = new Set<string>();
    for (const l of leaves) {
      const k = leafKey(l);
      if ((l.kind !== 'lurker' && l.kind !== 'churn_risk') || asked.has(k)) continue;
      asked.add(k);
      const hit =
        l.kind === 'lurker'
          ? await deps.activity.lurkersAmong(ctx, appId, ids, { days: l.days, visitEvents: l.visit_events, interactionEvents: l.interaction_events })
          : await deps.activity.churnRiskAmong(ctx, appId, ids, { recentDays: l.recent_days, baselineDays: l.baseline_days, minBaselineDays: l.min_baseline_days, minDrop: l.min_drop });
      for (const u of hit) out.get(u)?.flagged.add(k);
    }
    for (const segId of new Set(leaves.flatMap((l) => (l.kind === 'segment' ? [l.segment_id] : [])))) {
      const members = await store.membersAmong(ctx.db, segId, ids);
      for (const u of members) out.get(u)?.segments.add(segId);
    }
    return out;
  }

  /**
   * Moves these users in or out so the segment matches `want`; announces exactly the moves made.
   * Members of a segment change only under its row lock (a no-op when the caller holds it): two
   * writers inserting overlapping members in different orders would otherwise deadlock (the log's
   * consumer, a user at a time, against a full computation, 500 at a time). Writers that lock
   * several segments lock them in id order (onRows); a full computation holds one at a time.
   */
  async function settle(ctx: Ctx, seg: SegmentRow, users: string[], want: Set<string>, now: Date): Promise<void> {
    await store.lockSegments(ctx.db, [seg.id]);
    const current = await store.membersAmong(ctx.db, seg.id, users);
    const entered = await store.addMembers(ctx.db, seg.appId, seg.id, users.filter((u) => want.has(u) && !current.has(u)), now);
    const left = await store.removeMembers(ctx.db, seg.id, users.filter((u) => !want.has(u) && current.has(u)));
    await bus.emitMany(ctx.db, [
      ...entered.map((userId) => ({ name: 'segment.entered' as const, payload: { appId: seg.appId, segmentId: seg.id, userId } })),
      ...left.map((userId) => ({ name: 'segment.left' as const, payload: { appId: seg.appId, segmentId: seg.id, userId } })),
    ]);
  }

  /** Every identified user of the app, page by page, each page in its own transaction. */
  async function eachPage(fn: (tx: Ctx, users: Profile[]) => Promise<void>, appId: string): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await deps.users.list({ db, actor: system }, appId, { limit: PAGE, afterUserId: after });
      if (page.length === 0) return;
      await inTransaction({ db, actor: system }, (tx) => fn(tx, page.map((u) => ({ userId: u.userId, traits: u.traits }))));
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.userId;
    }
  }

  /** Recomputes one segment from its rules over every identified user; returns its size. */
  async function recompute(appId: string, id: string): Promise<number> {
    const now = clock.now();
    let gone = false;
    await eachPage(async (tx, users) => {
      const seg = await store.findSegment(tx.db, appId, id);
      if (!seg) {
        gone = true;
        return;
      }
      const facts = await factsOf(tx, appId, [seg.rules], users, now);
      const want = new Set(users.filter((u) => matches(seg.rules, facts.get(u.userId)!)).map((u) => u.userId));
      await settle(tx, seg, users.map((u) => u.userId), want, now);
    }, appId);
    if (gone) throw notFound(id);
    return store.recordSize(db, appId, id, clock.now());
  }

  /**
   * Rules may name other segments: those must exist and must not name segments themselves (no
   * cycles). Badges and coupon templates a rule names must exist.
   */
  async function checkRules(ctx: Ctx, appId: string, rules: Tree, selfId: string | null): Promise<void> {
    for (const l of leavesOf(rules)) {
      if (l.kind === 'badge') {
        const ref = l.badge_id !== undefined ? { id: l.badge_id } : { key: l.badge_key! };
        if (!(await deps.gamification.badgeExists(ctx, appId, ref))) throw fieldError('body.rules', 'id' in ref ? `no badge ${ref.id} in this app` : `no badge with key ${ref.key} in this app`);
        continue;
      }
      if (l.kind === 'coupon') {
        if (!(await deps.coupons.templateExists(ctx, appId, l.template_id))) throw fieldError('body.rules', `no coupon template ${l.template_id} in this app`);
        continue;
      }
      if (l.kind !== 'segment') continue;
      if (l.segment_id === selfId) throw fieldError('body.rules', 'a segment cannot contain itself');
      const other = await store.findSegment(ctx.db, appId, l.segment_id);
      if (!other) throw fieldError('body.rules', `no segment ${l.segment_id} in this app`);
      if (dependsOf(other.rules).segments.size > 0) throw fieldError('body.rules', `segment ${l.segment_id} is itself defined by segments; name segments whose rules name no other segment`);
    }
  }

  const publicShape = (s: SegmentRow) => ({ name: s.name, description: s.description, rules: s.rules });
  const changed = async () => {
    await bus.refreshInterest(db, 'segments');
  };

  // ---- the consumer ------------------------------------------------------------------------------
  type Change = { appId: string; userId: string; touches: (s: SegmentRow) => boolean };
  const LEVEL = new Set(['level.up', 'level.down']);
  const COUPON = new Set(['coupon.issued', 'coupon.redeemed', 'coupon.released', 'coupon.expired', 'coupon.revoked']);
  const DOMAIN = new Set(['user.identified', 'points.changed', 'segment.entered', 'segment.left', 'badge.awarded', ...LEVEL, ...COUPON]);
  function changeOf(row: LogRow): Change | null {
    if (row.kind === 'host') {
      const e = row.payload as HostEvent;
      return { appId: e.appId, userId: e.userId, touches: (s) => dependsOf(s.rules).events.has(e.name) };
    }
    const p = row.payload as { userId?: unknown; type?: unknown; segmentId?: unknown; templateId?: unknown };
    if (typeof p.userId !== 'string') return null;
    if (row.name === 'user.identified') return { appId: row.appId, userId: p.userId, touches: (s) => dependsOf(s.rules).traits };
    if (row.name === 'points.changed') return { appId: row.appId, userId: p.userId, touches: (s) => dependsOf(s.rules).points.has(String(p.type)) };
    if (LEVEL.has(row.name)) return { appId: row.appId, userId: p.userId, touches: (s) => dependsOf(s.rules).level };
    if (row.name === 'badge.awarded') return { appId: row.appId, userId: p.userId, touches: (s) => dependsOf(s.rules).badges };
    if (COUPON.has(row.name)) return { appId: row.appId, userId: p.userId, touches: (s) => dependsOf(s.rules).coupons.has(String(p.templateId)) };
    return { appId: row.appId, userId: p.userId, touches: (s) => dependsOf(s.rules).segments.has(String(p.segmentId)) };
  }

  async function onChange(ctx: ConsumerCtx, segs: SegmentRow[], c: Change): Promise<void> {
    if (segs.length === 0) return;
    let profile: Profile;
    try {
      const u = await deps.users.get(ctx, c.appId, c.userId);
      profile = { userId: u.userId, traits: u.traits };
    } catch (err) {
      // Segments are made of identified users only (as the full computation sees them).
      if (err instanceof AppError && err.code === 'users.not_found') return;
      throw err;
    }
    const now = clock.now();
    const facts = await factsOf(ctx, c.appId, segs.map((s) => s.rules), [profile], now);
    for (const s of segs) await settle(ctx, s, [c.userId], matches(s.rules, facts.get(c.userId)!) ? new Set([c.userId]) : new Set(), now);
  }

  /**
   * A run of the log: each app's segments read once, in the consumer's transaction (another server
   * may have just added one). The segments the run will touch are locked first, in id order, and
   * their definitions re-read under the lock (see settle).
   */
  async function onRows(ctx: ConsumerCtx, rows: LogRow[]): Promise<void> {
    const byApp = new Map<string, SegmentRow[]>();
    const work: { c: Change; ids: string[] }[] = [];
    for (const row of rows) {
      const c = changeOf(row);
      if (!c) continue;
      let segs = byApp.get(c.appId);
      if (!segs) byApp.set(c.appId, (segs = await store.allSegments(ctx.db, c.appId)));
      const ids = segs.filter(c.touches).map((s) => s.id);
      if (ids.length) work.push({ c, ids });
    }
    if (work.length === 0) return;
    const locked = new Map((await store.lockSegments(ctx.db, [...new Set(work.flatMap((w) => w.ids))])).map((s) => [s.id, s]));
    for (const w of work) await onChange(ctx, w.ids.flatMap((id) => (locked.has(id) ? [locked.get(id)!] : [])).filter(w.c.touches), w.c);
  }

  bus.interestIn('segments', store.hostInterest);
  bus.consume({
    name: 'segments.live',
    wants: (r) => r.kind === 'host' || DOMAIN.has(r.name),
    handle: (ctx, row) => onRows(ctx, [row]),
    handleBatch: onRows,
  });

  return {
    erasure: {
      async eraseUser(d: Db, appId: string, userId: string) {
        await store.eraseUser(d, appId, userId);
        await rfm.eraseUser(d, appId, userId);
      },
      async eraseApp(d: Db, appId: string) {
        await store.eraseApp(d, appId);
        await rfm.eraseApp(d, appId);
      },
    } satisfies Erasure,

    /** RFM classes and core users (the 2/8 rule). */
    rfm,

    async create(ctx: Ctx, appId: string, input: SegmentInput): Promise<SegmentRow> {
      await checkRules(ctx, appId, input.rules, null);
      const now = clock.now();
      const row = await ctx.db.transaction(async (tx) => {
        const s = await store.insertSegment(tx, { id: newId('seg'), appId, name: input.name, description: input.description ?? null, rules: input.rules, createdAt: now, updatedAt: now });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'segment.create', targetType: 'segment', targetId: s.id, before: null, after: publicShape(s) });
        return s;
      });
      await changed();
      await recompute(appId, row.id);
      return (await store.findSegment(db, appId, row.id))!;
    },

    async get(ctx: Ctx, appId: string, id: string): Promise<SegmentRow> {
      const s = await store.findSegment(ctx.db, appId, id);
      if (!s) throw notFound(id);
      return s;
    },

    list: (ctx: Ctx, appId: string, q: Parameters<typeof store.listSegments>[2]) => store.listSegments(ctx.db, appId, q),

    async update(ctx: Ctx, appId: string, id: string, input: SegmentPatchInput): Promise<SegmentRow> {
      if (input.name === undefined && input.description === undefined && input.rules === undefined) throw fieldError('body', 'give at least one of name, description or rules');
      if (input.rules) await checkRules(ctx, appId, input.rules, id);
      const row = await ctx.db.transaction(async (tx) => {
        const before = await store.findSegment(tx, appId, id, true);
        if (!before) throw notFound(id);
        const s = await store.updateSegment(tx, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description ?? null } : {}),
          ...(input.rules !== undefined ? { rules: input.rules } : {}),
          updatedAt: clock.now(),
        });
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'segment.update', targetType: 'segment', targetId: id, before: publicShape(before), after: publicShape(s) });
        return s;
      });
      await changed();
      if (input.rules) await recompute(appId, id);
      return (await store.findSegment(db, appId, row.id))!;
    },

    async remove(ctx: Ctx, appId: string, id: string): Promise<void> {
      const users = (await store.allSegments(ctx.db, appId)).filter((s) => s.id !== id && dependsOf(s.rules).segments.has(id));
      if (users.length) throw new AppError('segments.in_use', `Segment ${id} is named by the rules of ${users.map((s) => s.id).join(', ')}`, { segment_id: id, used_by: users.map((s) => s.id) });
      await ctx.db.transaction(async (tx) => {
        const before = await store.findSegment(tx, appId, id, true);
        if (!before) throw notFound(id);
        await store.deleteSegment(tx, appId, id);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'segment.delete', targetType: 'segment', targetId: id, before: publicShape(before), after: null });
      });
      await changed();
    },

    /** Recomputes now (also done on a schedule); returns the segment with its new size. */
    async refresh(ctx: Ctx, appId: string, id: string): Promise<SegmentRow> {
      if (!(await store.findSegment(ctx.db, appId, id))) throw notFound(id);
      await recompute(appId, id);
      return (await store.findSegment(db, appId, id))!;
    },

    /** How many identified users rules would hold now, and a few of them: nothing is saved. */
    async preview(ctx: Ctx, appId: string, rules: Tree): Promise<{ count: number; sample: string[]; users: number }> {
      await checkRules(ctx, appId, rules, null);
      const now = clock.now();
      let count = 0;
      let users = 0;
      const sample: string[] = [];
      await eachPage(async (tx, page) => {
        const facts = await factsOf(tx, appId, [rules], page, now);
        users += page.length;
        for (const u of page) {
          if (!matches(rules, facts.get(u.userId)!)) continue;
          count++;
          if (sample.length < 20) sample.push(u.userId);
        }
      }, appId);
      return { count, sample, users };
    },

    async members(ctx: Ctx, appId: string, id: string, q: { limit: number; afterUserId?: string | undefined }) {
      if (!(await store.findSegment(ctx.db, appId, id))) throw notFound(id);
      return store.membersPage(ctx.db, id, q);
    },

    /**
     * The members with their traits for an export: the segment is checked at once (a 404 before
     * any byte), then members are read page by page in user order, keyset by user id, so an
     * export of any size holds one page at a time. A member who leaves or enters during the export
     * may or may not appear.
     */
    async exportMembers(ctx: Ctx, appId: string, id: string): Promise<{ size: number; pages: AsyncIterable<{ userId: string; enteredAt: Date; traits: Record<string, unknown> | null }[]> }> {
      const seg = await store.findSegment(ctx.db, appId, id);
      if (!seg) throw notFound(id);
      async function* pages() {
        let after: string | undefined;
        for (;;) {
          const rows = await store.membersPage(ctx.db, id, { limit: EXPORT_PAGE, afterUserId: after });
          if (rows.length === 0) return;
          const profiles = new Map((await deps.users.recipients(ctx, appId, rows.map((r) => r.userId))).map((p) => [p.userId, p.traits]));
          yield rows.map((r) => ({ userId: r.userId, enteredAt: r.enteredAt, traits: profiles.get(r.userId) ?? null }));
          if (rows.length < EXPORT_PAGE) return;
          after = rows[rows.length - 1]!.userId;
        }
      }
      return { size: seg.size, pages: pages() };
    },

    async sizes(ctx: Ctx, appId: string, id: string, days: number) {
      if (!(await store.findSegment(ctx.db, appId, id))) throw notFound(id);
      return store.sizes(ctx.db, id, new Date(clock.now().getTime() - days * DAY).toISOString().slice(0, 10));
    },

    /** The segments a user is in. */
    async ofUser(ctx: Ctx, appId: string, userId: string) {
      const rows = await store.segmentsOfUsers(ctx.db, appId, [userId]);
      return rows.map((r) => ({ segmentId: r.segmentId, enteredAt: r.enteredAt }));
    },

    /** For other modules (surveys' targeting, …): does the segment exist? */
    async exists(ctx: Ctx, appId: string, segmentId: string): Promise<boolean> {
      return (await store.findSegment(ctx.db, appId, segmentId)) !== undefined;
    },

    /** For analytics' `segment` filter: the members' user ids as a subquery (null: no such segment in the app). */
    async memberIdsSql(ctx: Ctx, appId: string, segmentId: string): Promise<SQL | null> {
      return (await store.findSegment(ctx.db, appId, segmentId)) ? store.memberIdsSql(segmentId) : null;
    },

    /** For other modules (surveys' targeting, …): is the user in the segment now? */
    async isMember(ctx: Ctx, appId: string, segmentId: string, userId: string): Promise<boolean> {
      return (await store.membersAmong(ctx.db, segmentId, [userId])).has(userId);
    },

    /** Recomputes every segment of every app (the scheduled job). */
    async refreshAll(): Promise<number> {
      let n = 0;
      for (const s of await store.allSegments(db)) {
        try {
          await recompute(s.appId, s.id);
          n++;
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'segments.not_found')) throw err;
        }
      }
      return n;
    },
  };
}

export type Segments = ReturnType<typeof createSegments>;

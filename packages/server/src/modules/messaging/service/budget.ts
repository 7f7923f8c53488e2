// The contact budget: one place that decides whether a user may be contacted now, on which
// channels, and that takes the units of each frequency cap atomically. Sends use it for every
// message (in batches); other modules and the host app ask it through canContact/reserve.
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/index.ts';
import type { Recipient } from '../../users/index.ts';
import { planContact, type CapRule, type Category, type Channel, type Claim, type ContactPlan } from '../rules/contact.ts';
import type { QuietHours } from '../rules/time.ts';
import * as budget from '../store/budget.ts';
import { pairKey } from '../store/budget.ts';
import type { CapRuleRow, SettingsRow, UserPrefsRow } from '../store/settings.ts';

export type ChannelOutcome = 'queued' | 'deferred' | 'capped' | 'suppressed';

export type Outcome = { userId: string; plan: ContactPlan; channels: Map<Channel, { status: ChannelOutcome; deliverAt: Date }> };

export function toCapRules(rows: CapRuleRow[]): CapRule[] {
  return rows.map((r) => ({ id: r.id, channel: r.channel as Channel | null, category: r.category as Category | null, max: r.max, period: r.period as CapRule['period'] }));
}

export function quietOf(s: SettingsRow, p: UserPrefsRow | undefined): QuietHours | null {
  if (p && p.quietStart !== null && p.quietEnd !== null) return { start: p.quietStart, end: p.quietEnd };
  return s.quietStart !== null && s.quietEnd !== null ? { start: s.quietStart, end: s.quietEnd } : null;
}

export type PlanInput = { category: Category; channels: readonly Channel[]; transactional: boolean; now: Date };

export function planFor(r: Pick<Recipient, 'userId' | 'timezone'>, m: PlanInput, s: SettingsRow, rules: CapRule[], prefs: UserPrefsRow | undefined): ContactPlan {
  return planContact({
    now: m.now,
    timezone: r.timezone ?? s.defaultTimezone,
    category: m.category,
    channels: m.channels,
    transactional: m.transactional,
    disabled: prefs?.disabled ?? [],
    quiet: quietOf(s, prefs),
    quietChannels: s.quietChannels as Channel[],
    rules,
  });
}

type Group = { key: string; userId: string; claims: Claim[] };

/**
 * Takes every claim of each group or none of them: per rule (in rule-id order) one statement
 * takes the units of all still-standing groups; a group refused by any rule gives back what it
 * took. Returns the keys of the groups fully granted. Must run inside a transaction.
 */
async function reserveGroups(tx: Db, appId: string, groups: Group[], now: Date): Promise<Set<string>> {
  const alive = new Set(groups.filter((g) => g.claims.length > 0).map((g) => g.key));
  const granted = new Map<string, { ruleId: string; window: string; userId: string }[]>();
  const byRule = new Map<string, { max: number; items: { group: string; userId: string; window: string }[] }>();
  for (const g of groups) {
    for (const c of g.claims) {
      let r = byRule.get(c.ruleId);
      if (!r) byRule.set(c.ruleId, (r = { max: c.max, items: [] }));
      r.items.push({ group: g.key, userId: g.userId, window: c.window });
    }
  }
  for (const ruleId of [...byRule.keys()].sort()) {
    const r = byRule.get(ruleId)!;
    const items = r.items.filter((i) => alive.has(i.group)).sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.window < b.window ? -1 : 1));
    const refused = await budget.consume(tx, appId, ruleId, r.max, items, now);
    for (const i of items) {
      if (!refused.has(pairKey(i.userId, i.window))) {
        let list = granted.get(i.group);
        if (!list) granted.set(i.group, (list = []));
        list.push({ ruleId, window: i.window, userId: i.userId });
      } else alive.delete(i.group);
    }
  }
  // Give back what refused groups took.
  const giveBack = new Map<string, { userId: string; window: string }[]>();
  for (const [group, list] of granted) {
    if (alive.has(group)) continue;
    for (const g of list) {
      let l = giveBack.get(g.ruleId);
      if (!l) giveBack.set(g.ruleId, (l = []));
      l.push({ userId: g.userId, window: g.window });
    }
  }
  for (const [ruleId, pairs] of giveBack) await budget.release(tx, appId, ruleId, pairs);
  for (const g of groups) if (g.claims.length === 0) alive.add(g.key);
  return alive;
}

/**
 * Decides every channel of every planned message and takes the cap units, atomically per message:
 * first the message-wide caps (rules without a channel), then each channel's own caps.
 * Each user at most once per call. Must run inside a transaction.
 */
export async function reserveMessages(tx: Db, appId: string, plans: { userId: string; plan: ContactPlan }[], now: Date): Promise<Outcome[]> {
  const withPending = plans.filter((p) => p.plan.channels.some((c) => c.status === 'pending'));
  const msgOk = await reserveGroups(
    tx,
    appId,
    withPending.map((p) => ({ key: p.userId, userId: p.userId, claims: p.plan.messageClaims })),
    now,
  );
  const channelGroups: Group[] = [];
  for (const p of withPending) {
    if (!msgOk.has(p.userId)) continue;
    for (const c of p.plan.channels) if (c.status === 'pending') channelGroups.push({ key: `${p.userId}\u0000${c.channel}`, userId: p.userId, claims: c.claims });
  }
  const chOk = await reserveGroups(tx, appId, channelGroups, now);
  return plans.map((p) => {
    const channels = new Map<Channel, { status: ChannelOutcome; deliverAt: Date }>();
    for (const c of p.plan.channels) {
      let status: ChannelOutcome;
      if (c.status === 'suppressed') status = 'suppressed';
      else if (!msgOk.has(p.userId) || !chOk.has(`${p.userId}\u0000${c.channel}`)) status = 'capped';
      else status = c.deferred ? 'deferred' : 'queued';
      channels.set(c.channel, { status, deliverAt: c.deliverAt });
    }
    return { userId: p.userId, plan: p.plan, channels };
  });
}

export type ContactCheck = {
  allowed: boolean;
  reason: 'unsubscribed' | 'quiet_hours' | 'capped' | null;
  retryAt: Date | null;
  caps: { ruleId: string; window: string; used: number; max: number }[];
};

/** Read-only: may this user be contacted now on this channel for this category? */
export async function checkContact(ctx: Ctx, appId: string, r: Pick<Recipient, 'userId' | 'timezone'>, m: { category: Category; channel: Channel; transactional: boolean; now: Date }, s: SettingsRow, rules: CapRule[], prefs: UserPrefsRow | undefined): Promise<ContactCheck> {
  const plan = planFor(r, { category: m.category, channels: [m.channel], transactional: m.transactional, now: m.now }, s, rules, prefs);
  const ch = plan.channels[0]!;
  const claims = [...plan.messageClaims, ...ch.claims];
  const used = await budget.usage(ctx.db, appId, r.userId, claims);
  const caps = claims.map((c) => ({ ruleId: c.ruleId, window: c.window, used: used.get(`${c.ruleId}\u0000${c.window}`) ?? 0, max: c.max }));
  if (ch.status === 'suppressed') return { allowed: false, reason: 'unsubscribed', retryAt: null, caps };
  if (ch.deferred) return { allowed: false, reason: 'quiet_hours', retryAt: ch.deliverAt, caps };
  if (caps.some((c) => c.used >= c.max)) return { allowed: false, reason: 'capped', retryAt: null, caps };
  return { allowed: true, reason: null, retryAt: null, caps };
}


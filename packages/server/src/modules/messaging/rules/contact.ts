// The contact budget's decisions for one message to one user, before anything is reserved. Pure.
//   - transactional messages bypass preferences, quiet hours and caps;
//   - a channel the user switched off (per category and channel, '*' = any) is suppressed;
//   - interruptive channels inside quiet hours (the user's own timezone) wait for the window's end;
//   - caps: a rule without a channel gates the whole message once; a rule with a channel gates that
//     channel. Each rule counts in the window (hour/day/week, local calendar) of the delivery time.
import { quietUntil, windowKey, type Period, type QuietHours } from './time.ts';

export const CHANNELS = ['in_app', 'realtime', 'email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CATEGORIES = ['system', 'interaction', 'activity', 'service'] as const;
export type Category = (typeof CATEGORIES)[number];

export type CapRule = { id: string; channel: Channel | null; category: Category | null; max: number; period: Period };

export type Claim = { ruleId: string; window: string; max: number };

export type ChannelPlan = {
  channel: Channel;
  /** suppressed: the user opted out; otherwise the channel waits for the budget. */
  status: 'pending' | 'suppressed';
  deliverAt: Date;
  deferred: boolean;
  claims: Claim[];
};

export type ContactPlan = { messageClaims: Claim[]; channels: ChannelPlan[] };

export type ContactInput = {
  now: Date;
  timezone: string;
  category: Category;
  channels: readonly Channel[];
  transactional: boolean;
  /** Opt-outs as "category:channel" with "*" wildcards. */
  disabled: ReadonlySet<string> | readonly string[];
  quiet: QuietHours | null;
  quietChannels: ReadonlySet<Channel> | readonly Channel[];
  rules: readonly CapRule[];
};

const has = (s: ReadonlySet<string> | readonly string[], v: string) => (Array.isArray(s) ? s.includes(v) : (s as ReadonlySet<string>).has(v));

export function isDisabled(disabled: ReadonlySet<string> | readonly string[], category: string, channel: string): boolean {
  return has(disabled, `${category}:${channel}`) || has(disabled, `${category}:*`) || has(disabled, `*:${channel}`) || has(disabled, '*:*');
}

export function ruleApplies(r: CapRule, category: Category, channel: Channel | null): boolean {
  return (r.category === null || r.category === category) && r.channel === channel;
}

export function planContact(i: ContactInput): ContactPlan {
  if (i.transactional) {
    return { messageClaims: [], channels: i.channels.map((channel) => ({ channel, status: 'pending', deliverAt: i.now, deferred: false, claims: [] })) };
  }
  const claim = (r: CapRule, at: Date): Claim => ({ ruleId: r.id, window: windowKey(at, i.timezone, r.period), max: r.max });
  const messageClaims = i.rules.filter((r) => ruleApplies(r, i.category, null)).map((r) => claim(r, i.now));
  const channels = i.channels.map((channel): ChannelPlan => {
    if (isDisabled(i.disabled, i.category, channel)) return { channel, status: 'suppressed', deliverAt: i.now, deferred: false, claims: [] };
    const until = i.quiet && has(i.quietChannels, channel) ? quietUntil(i.now, i.timezone, i.quiet) : null;
    const deliverAt = until ?? i.now;
    return { channel, status: 'pending', deliverAt, deferred: until !== null, claims: i.rules.filter((r) => ruleApplies(r, i.category, channel)).map((r) => claim(r, deliverAt)) };
  });
  return { messageClaims, channels };
}

/** jsonb containment (`traits @> filter`) in JS, for values already in memory. */
export function contains(value: unknown, filter: unknown): boolean {
  if (filter === null || typeof filter !== 'object') return value === filter;
  if (Array.isArray(filter)) return Array.isArray(value) && filter.every((f) => value.some((v) => contains(v, f)));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.entries(filter).every(([k, f]) => Object.hasOwn(value, k) && contains((value as Record<string, unknown>)[k], f));
}

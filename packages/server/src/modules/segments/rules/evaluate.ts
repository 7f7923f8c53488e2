// The pure side of segments: the leaves of a rule tree, which facts they need, and whether a
// user's facts match the tree. No I/O.
import { matchesConditions, readPath } from '../../../lib/conditions.ts';
import type { GroupInput, RuleInput } from '../types.ts';

export type Tree = GroupInput;
export type Leaf = RuleInput;

/** What one user brings to a segment's rules. Missing numbers count as 0. */
export type Facts = {
  traits: Record<string, unknown>;
  /** Per numeric leaf (its key): the count, the sum or the balance. */
  values: Map<string, number>;
  /** Segments the user is in. */
  segments: Set<string>;
  /** The user's RFM class at the last computation (null: not a buyer, or not computed). */
  rfm: string | null;
  /** A core user at the last computation. */
  core: boolean;
  /** The user's gamification level (0 without levels). */
  level: number;
  /** Badges the user holds, by id and by key. */
  badgeIds: Set<string>;
  badgeKeys: Set<string>;
  /** `couponFact(template, status)` of each status the user's coupons of a template are in now. */
  coupons: Set<string>;
  /** The keys of the leaves read from analytics (lurker, churn_risk) that hold for the user now. */
  flagged: Set<string>;
};

/** A user with no facts yet (the evaluation fills them in). */
export const emptyFacts = (traits: Record<string, unknown>): Facts => ({
  traits,
  values: new Map(),
  segments: new Set(),
  rfm: null,
  core: false,
  level: 0,
  badgeIds: new Set(),
  badgeKeys: new Set(),
  coupons: new Set(),
  flagged: new Set(),
});

export const couponFact = (templateId: string, status: string): string => `${templateId}\u0000${status}`;

/** A stable key of a numeric leaf (the same rule in two places shares its value). */
export const leafKey = (r: Leaf): string => JSON.stringify(r);

const isGroup = (n: Leaf | Tree): n is Tree => 'all' in n || 'any' in n;

/** Every rule of the tree, depth first. */
export function leavesOf(t: Tree): Leaf[] {
  const out: Leaf[] = [];
  const walk = (n: Leaf | Tree) => {
    if (!isGroup(n)) out.push(n);
    else for (const c of 'all' in n ? n.all : n.any) walk(c);
  };
  walk(t);
  return out;
}

const within = (v: number, r: { min?: number | undefined; max?: number | undefined }) => (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);

function holds(n: Leaf | Tree, f: Facts): boolean {
  if (isGroup(n)) return 'all' in n ? n.all.every((c) => holds(c, f)) : n.any.some((c) => holds(c, f));
  switch (n.kind) {
    case 'traits':
      return matchesConditions(n.conditions, f.traits);
    case 'segment':
      return f.segments.has(n.segment_id) === n.member;
    case 'rfm_class':
      return f.rfm !== null && (n.classes as readonly string[]).includes(f.rfm);
    case 'core_user':
      return f.core === n.core;
    case 'level':
      return n.equals !== undefined ? f.level === n.equals : within(f.level, n);
    case 'badge':
      return (n.badge_id !== undefined ? f.badgeIds.has(n.badge_id) : f.badgeKeys.has(n.badge_key!)) === n.has;
    case 'coupon':
      return f.coupons.has(couponFact(n.template_id, n.status)) === n.has;
    case 'lurker':
    case 'churn_risk':
      return f.flagged.has(leafKey(n));
    default:
      return within(f.values.get(leafKey(n)) ?? 0, n);
  }
}

export const matches = (t: Tree, f: Facts): boolean => holds(t, f);

/**
 * Folds one event into the numeric leaves it feeds: +1 for a count, + the property for a sum
 * (a property that is not a finite number adds nothing).
 */
export function addEvent(values: Map<string, number>, leaves: Leaf[], e: { name: string; properties: Record<string, unknown> }): void {
  for (const l of leaves) {
    if ((l.kind !== 'event_count' && l.kind !== 'event_sum') || l.event !== e.name || !matchesConditions(l.conditions, e.properties)) continue;
    const k = leafKey(l);
    if (l.kind === 'event_count') values.set(k, (values.get(k) ?? 0) + 1);
    else {
      const v = readPath(e.properties, l.property);
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (Number.isFinite(x)) values.set(k, (values.get(k) ?? 0) + x);
    }
  }
}

/**
 * What a change to a user can affect: segments whose rules read traits, events by name, points,
 * other segments, RFM, core users, levels, badges, coupons of a template. Lurking and churn risk
 * change with time alone and are left to the full computation, but for the interaction events a
 * lurker rule names (they end lurking at once).
 */
export type Depends = {
  traits: boolean;
  events: Set<string>;
  points: Set<string>;
  segments: Set<string>;
  rfm: boolean;
  core: boolean;
  level: boolean;
  badges: boolean;
  coupons: Set<string>;
};

export function dependsOf(t: Tree): Depends {
  const d: Depends = { traits: false, events: new Set(), points: new Set(), segments: new Set(), rfm: false, core: false, level: false, badges: false, coupons: new Set() };
  for (const l of leavesOf(t)) {
    switch (l.kind) {
      case 'traits':
        d.traits = true;
        break;
      case 'event_count':
      case 'event_sum':
        d.events.add(l.event);
        break;
      case 'points_balance':
        d.points.add(l.points_type);
        break;
      case 'rfm_class':
        d.rfm = true;
        break;
      case 'core_user':
        d.core = true;
        break;
      case 'level':
        d.level = true;
        break;
      case 'badge':
        d.badges = true;
        break;
      case 'coupon':
        d.coupons.add(l.template_id);
        break;
      case 'lurker':
        // An interaction ends lurking at once; a visit (any event by default) is left to the full computation.
        for (const e of l.interaction_events) d.events.add(e);
        break;
      case 'churn_risk':
        break;
      case 'segment':
        d.segments.add(l.segment_id);
        break;
    }
  }
  return d;
}

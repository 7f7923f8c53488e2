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
};

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

/** What a change to a user can affect: segments whose rules read traits, events by name, points, or other segments. */
export type Depends = { traits: boolean; events: Set<string>; points: Set<string>; segments: Set<string>; rfm: boolean; core: boolean };

export function dependsOf(t: Tree): Depends {
  const d: Depends = { traits: false, events: new Set(), points: new Set(), segments: new Set(), rfm: false, core: false };
  for (const l of leavesOf(t)) {
    if (l.kind === 'traits') d.traits = true;
    else if (l.kind === 'event_count' || l.kind === 'event_sum') d.events.add(l.event);
    else if (l.kind === 'points_balance') d.points.add(l.points_type);
    else if (l.kind === 'rfm_class') d.rfm = true;
    else if (l.kind === 'core_user') d.core = true;
    else d.segments.add(l.segment_id);
  }
  return d;
}

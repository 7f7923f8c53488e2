// The pure side of workflows: checking a definition's step graph, which events it watches, where a
// step goes next, the split draw and local-time waits. No I/O.
import { createHash } from 'node:crypto';
import type { FieldIssue } from '../../../http/errors.ts';
import type { Conditions } from '../../../lib/conditions.ts';
import { addDays, localDate, zonedInstant } from '../../../lib/localtime.ts';
import type { DefinitionInput, ScheduleInput, StepInput } from '../types.ts';

export type Definition = DefinitionInput;
export type Step = StepInput;
export type Source = 'event' | 'domain';

/** An event some part of a workflow waits for or looks back on. */
export type Watch = { key: string; kind: 'wait' | 'did' | 'goal'; event: string; source: Source; conditions: Conditions };

/** Where each step may go next: the targets a step names (or its default successor). */
export function targetsOf(def: Definition, i: number): { field: string; to: string }[] {
  const s = def.steps[i]!;
  const dflt = def.steps[i + 1]?.id ?? 'end';
  switch (s.type) {
    case 'wait_for_event':
      return [
        { field: 'on_event', to: s.on_event },
        { field: 'on_timeout', to: s.on_timeout },
      ];
    case 'branch':
      return [
        { field: 'then', to: s.then },
        { field: 'else', to: s.else },
      ];
    case 'split':
      return s.paths.map((p, j) => ({ field: `paths.${j}.next`, to: p.next }));
    case 'experiment':
      return Object.entries(s.paths).map(([arm, to]) => ({ field: `paths.${arm}`, to }));
    default:
      return [{ field: 'next', to: s.next ?? dflt }];
  }
}

/**
 * Problems of the step graph: repeated ids, references to steps that do not exist, and loops (a
 * run must always move toward its end, so no step can lead back to itself).
 */
export function checkGraph(def: Definition, prefix = 'body'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const index = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (index.has(s.id)) issues.push({ field: `${prefix}.steps.${i}.id`, code: 'duplicate', message: `step id "${s.id}" is used twice` });
    else index.set(s.id, i);
  });
  def.steps.forEach((_, i) => {
    for (const t of targetsOf(def, i)) {
      if (t.to !== 'end' && !index.has(t.to)) issues.push({ field: `${prefix}.steps.${i}.${t.field}`, code: 'unknown_step', message: `no step "${t.to}" in this workflow (use "end" to finish)` });
    }
  });
  if (issues.length > 0) return issues;
  // Depth-first search for a cycle.
  const state = new Array<0 | 1 | 2>(def.steps.length).fill(0);
  const visit = (i: number): number | null => {
    state[i] = 1;
    for (const t of targetsOf(def, i)) {
      if (t.to === 'end') continue;
      const j = index.get(t.to)!;
      if (state[j] === 1) return i;
      if (state[j] === 0) {
        const c = visit(j);
        if (c !== null) return c;
      }
    }
    state[i] = 2;
    return null;
  };
  for (let i = 0; i < def.steps.length; i++) {
    if (state[i] !== 0) continue;
    const c = visit(i);
    if (c !== null) {
      issues.push({ field: `${prefix}.steps.${c}`, code: 'loop', message: `step "${def.steps[c]!.id}" leads back to a step it came from; a workflow must not loop` });
      break;
    }
  }
  return issues;
}

/** Every event the workflow watches after entry (wait_for_event steps, did_event branches, the goal). */
export function watchesOf(def: Definition): Watch[] {
  const out: Watch[] = [];
  for (const s of def.steps) {
    if (s.type === 'wait_for_event') out.push({ key: `wait:${s.id}`, kind: 'wait', event: s.event, source: s.source ?? 'event', conditions: s.conditions });
    if (s.type === 'branch' && s.condition.did_event) {
      const d = s.condition.did_event;
      out.push({ key: `did:${s.id}`, kind: 'did', event: d.event, source: d.source ?? 'event', conditions: d.conditions });
    }
  }
  if (def.goal) out.push({ key: 'goal', kind: 'goal', event: def.goal.event, source: def.goal.source ?? 'event', conditions: def.goal.conditions });
  return out;
}

/** The step after `i` on its default path. */
export function defaultNext(def: Definition, i: number): string {
  return targetsOf(def, i)[0]!.to;
}

/**
 * The split's draw for one run: the same run always draws the same path (a retried step cannot
 * change its mind). Returns a path index, or 'holdout'.
 */
export function drawPath(runId: string, stepId: string, weights: number[], holdout: number): number | 'holdout' {
  const total = weights.reduce((a, b) => a + b, 0) + holdout;
  const h = createHash('sha256').update(`${runId}\u0000${stepId}`).digest().readUInt32BE(0);
  let x = h % total;
  for (let i = 0; i < weights.length; i++) {
    if (x < weights[i]!) return i;
    x -= weights[i]!;
  }
  return 'holdout';
}

/** The first moment at or after `from` when the wall clock in `tz` reads `hhmm`. */
export function nextLocalTime(from: Date, tz: string, hhmm: string): Date {
  const [h, mi] = hhmm.split(':').map(Number) as [number, number];
  let date = localDate(from, tz);
  for (let i = 0; i < 3; i++) {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const at = zonedInstant(tz, y, m, d, h, mi);
    if (at.getTime() >= from.getTime()) return at;
    date = addDays(date, 1);
  }
  return new Date(from.getTime() + 86_400_000);
}

/** Resolves "$trigger.<path>" texts in message data from the triggering event. */
export function fillData(data: Record<string, string | number | boolean>, trigger: Record<string, unknown>, read: (o: Record<string, unknown>, p: string) => unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' && v.startsWith('$trigger.')) {
      const got = read(trigger, v.slice('$trigger.'.length));
      out[k] = typeof got === 'string' || typeof got === 'number' || typeof got === 'boolean' ? got : '';
    } else out[k] = v;
  }
  return out;
}

/** The first time strictly after `after` that a schedule names, in `tz`. */
export function nextOccurrence(schedule: ScheduleInput, tz: string, after: Date): Date {
  const from = new Date(after.getTime() + 1000);
  if (schedule.every === 'day') return nextLocalTime(from, tz, schedule.at);
  const [h, mi] = schedule.at.split(':').map(Number) as [number, number];
  let date = localDate(from, tz);
  for (let i = 0; i < 15; i++) {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    if ((dow === 0 ? 7 : dow) === schedule.weekday) {
      const at = zonedInstant(tz, y, m, d, h, mi);
      if (at.getTime() >= from.getTime()) return at;
    }
    date = addDays(date, 1);
  }
  throw new Error(`no ${schedule.every} occurrence of ${schedule.at} (weekday ${schedule.weekday ?? '-'}) within 15 days`);
}

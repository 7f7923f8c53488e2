// Questionnaire rules, pure: question definitions, answer checks, branching paths.
//
// Branching: after a question is answered, its first matching branch jumps forward to `goto` (a
// later question, or "end"); with no match the next question follows. Jumps only go forward, so
// every path ends. Questions a path skips are not asked, and their answers are not kept.

import { matches, type Condition } from '../../../lib/answer-match.ts';
import { utcMs } from '../../../lib/localtime.ts';

export const QUESTION_TYPES = ['single', 'multiple', 'text', 'rating', 'nps', 'csat', 'date'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export type { Condition } from '../../../lib/answer-match.ts';
export type Branch = { when: Condition; goto: string };
export type Question = {
  id: string;
  type: QuestionType;
  title: string;
  description?: string | undefined;
  required: boolean;
  options?: { id: string; text: string }[] | undefined;
  max_choices?: number | undefined;
  branches?: Branch[] | undefined;
};

/** A stored answer: option ids for choices, a number for scales, text, or YYYY-MM-DD. */
export type AnswerValue = string | number | string[];

export const END = 'end';

const SCALES: Partial<Record<QuestionType, [number, number]>> = { rating: [1, 5], nps: [0, 10], csat: [1, 5] };
export const scaleOf = (t: QuestionType) => SCALES[t];
const isChoice = (t: QuestionType) => t === 'single' || t === 'multiple';

export type Problem = { field: string; message: string; expected?: string };

/** Checks a survey's questions; fields are named under `prefix` (e.g. body.questions). */
export function checkQuestions(qs: readonly Question[], prefix: string): Problem | null {
  const index = new Map<string, number>();
  for (const [i, q] of qs.entries()) {
    if (index.has(q.id)) return { field: `${prefix}.${i}.id`, message: `question id ${q.id} is used twice`, expected: 'unique question ids' };
    if (q.id === END) return { field: `${prefix}.${i}.id`, message: `"${END}" is reserved for branches`, expected: 'another id' };
    index.set(q.id, i);
  }
  for (const [i, q] of qs.entries()) {
    const at = `${prefix}.${i}`;
    if (isChoice(q.type)) {
      if (!q.options || q.options.length < 2) return { field: `${at}.options`, message: `a ${q.type}-choice question needs at least 2 options`, expected: '2-50 options' };
      const ids = new Set<string>();
      for (const [j, o] of q.options.entries()) {
        if (ids.has(o.id)) return { field: `${at}.options.${j}.id`, message: `option id ${o.id} is used twice`, expected: 'unique option ids' };
        ids.add(o.id);
      }
    } else if (q.options) return { field: `${at}.options`, message: `a ${q.type} question has no options`, expected: 'no options' };
    if (q.max_choices !== undefined) {
      if (q.type !== 'multiple') return { field: `${at}.max_choices`, message: 'only multiple-choice questions take max_choices', expected: 'omit max_choices' };
      if (q.max_choices > q.options!.length) return { field: `${at}.max_choices`, message: `must not exceed the ${q.options!.length} options`, expected: `<= ${q.options!.length}` };
    }
    for (const [j, b] of (q.branches ?? []).entries()) {
      const bf = `${at}.branches.${j}`;
      if (b.goto !== END) {
        const target = index.get(b.goto);
        if (target === undefined) return { field: `${bf}.goto`, message: `no question ${b.goto}`, expected: `a later question id or "${END}"` };
        if (target <= i) return { field: `${bf}.goto`, message: `branches only jump forward; ${b.goto} is not after ${q.id}`, expected: `a later question id or "${END}"` };
      }
      const c = b.when;
      const values = [...(c.equals !== undefined ? [c.equals] : []), ...(c.in ?? [])];
      if (values.length === 0 && c.gte === undefined && c.lte === undefined) return { field: `${bf}.when`, message: 'a condition needs equals, in, gte or lte', expected: 'a condition' };
      if (isChoice(q.type)) {
        if (c.gte !== undefined || c.lte !== undefined) return { field: `${bf}.when`, message: 'choice questions branch on option ids (equals / in)', expected: 'equals or in' };
        const bad = values.find((v) => !q.options!.some((o) => o.id === v));
        if (bad !== undefined) return { field: `${bf}.when`, message: `${String(bad)} is not an option of ${q.id}`, expected: 'option ids of this question' };
      } else if (scaleOf(q.type)) {
        const [lo, hi] = scaleOf(q.type)!;
        const nums = [...values, ...(c.gte !== undefined ? [c.gte] : []), ...(c.lte !== undefined ? [c.lte] : [])];
        if (nums.some((v) => typeof v !== 'number' || v < lo || v > hi)) return { field: `${bf}.when`, message: `${q.type} answers are numbers ${lo}-${hi}`, expected: `numbers ${lo}-${hi}` };
      } else return { field: `${bf}`, message: `${q.type} questions cannot branch`, expected: 'no branches' };
    }
  }
  return null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(utcMs(+m[1]!, +m[2]! - 1, +m[3]!));
  return +m[1]! >= 1 && d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

export function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/** Checks a non-empty answer against its question; returns the stored form or a problem. */
export function checkAnswer(q: Question, v: unknown): { value: AnswerValue } | { problem: string; expected: string } {
  switch (q.type) {
    case 'single':
      if (typeof v !== 'string' || !q.options!.some((o) => o.id === v)) return { problem: `must be an option id of ${q.id}`, expected: `one of ${q.options!.map((o) => o.id).join(', ')}` };
      return { value: v };
    case 'multiple': {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return { problem: 'must be a list of option ids', expected: 'an array of option ids' };
      const ids = v as string[];
      const bad = ids.find((x) => !q.options!.some((o) => o.id === x));
      if (bad !== undefined) return { problem: `${bad} is not an option of ${q.id}`, expected: `option ids of ${q.id}` };
      if (new Set(ids).size !== ids.length) return { problem: 'lists an option twice', expected: 'distinct option ids' };
      const max = q.max_choices ?? q.options!.length;
      if (ids.length > max) return { problem: `choose at most ${max}`, expected: `at most ${max} option ids` };
      return { value: ids };
    }
    case 'text':
      if (typeof v !== 'string') return { problem: 'must be text', expected: 'a string' };
      if (v.length > 5000) return { problem: 'must be at most 5000 characters', expected: 'length <= 5000' };
      if (v.includes('\u0000')) return { problem: 'must not contain NUL characters', expected: 'text without NUL' };
      return { value: v.trim() };
    case 'date':
      if (typeof v !== 'string' || !isDate(v)) return { problem: 'must be a calendar date', expected: 'YYYY-MM-DD' };
      return { value: v };
    default: {
      const [lo, hi] = scaleOf(q.type)!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return { problem: `must be a whole number from ${lo} to ${hi}`, expected: `integer ${lo}-${hi}` };
      return { value: v };
    }
  }
}

/**
 * Walks the survey with the answers so far. `asked`: the questions on the path up to where it
 * stops; `next`: the first required question on the path still unanswered (null when the path
 * reaches the end).
 */
export function walk(qs: readonly Question[], answers: ReadonlyMap<string, AnswerValue>): { asked: string[]; next: string | null } {
  const asked: string[] = [];
  let i = 0;
  while (i < qs.length) {
    const q = qs[i]!;
    asked.push(q.id);
    const a = answers.get(q.id);
    if (a === undefined) {
      if (q.required) return { asked, next: q.id };
      i++;
      continue;
    }
    const b = (q.branches ?? []).find((br) => matches(br.when, a));
    if (!b) i++;
    else if (b.goto === END) break;
    else i = qs.findIndex((x) => x.id === b.goto);
  }
  return { asked, next: null };
}

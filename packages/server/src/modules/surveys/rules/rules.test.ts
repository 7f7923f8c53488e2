import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAnswer, checkQuestions, walk, type AnswerValue, type Question } from './questions.ts';
import { csvCell } from '../../../lib/csv.ts';
import { csat, nps, scaleSummary } from './results.ts';
import { targets, traitMatches } from './targeting.ts';

const qs: Question[] = [
  { id: 'uses', type: 'single', title: 'Do you use feature X?', required: true, options: [{ id: 'yes', text: 'Yes' }, { id: 'no', text: 'No' }], branches: [{ when: { equals: 'no' }, goto: 'why_not' }] },
  { id: 'score', type: 'nps', title: 'How likely are you to recommend X?', required: true, branches: [{ when: { gte: 9 }, goto: 'end' }] },
  { id: 'improve', type: 'text', title: 'What should we improve?', required: false },
  { id: 'why_not', type: 'text', title: 'Why not?', required: true },
];
const ans = (o: Record<string, AnswerValue>) => new Map(Object.entries(o));

describe('branching', () => {
  it('skips to question K when the answer is X', () => {
    assert.deepEqual(walk(qs, ans({ uses: 'no' })), { asked: ['uses', 'why_not'], next: 'why_not' });
    assert.deepEqual(walk(qs, ans({ uses: 'no', why_not: 'too slow' })), { asked: ['uses', 'why_not'], next: null });
  });
  it('follows the default order without a match, passes optional questions, ends on "end"', () => {
    assert.deepEqual(walk(qs, ans({ uses: 'yes' })), { asked: ['uses', 'score'], next: 'score' });
    assert.deepEqual(walk(qs, ans({ uses: 'yes', score: 10 })), { asked: ['uses', 'score'], next: null });
    assert.deepEqual(walk(qs, ans({ uses: 'yes', score: 3 })), { asked: ['uses', 'score', 'improve', 'why_not'], next: 'why_not' });
  });
  it('refuses backward jumps, unknown targets, bad conditions and duplicate ids, naming the field', () => {
    assert.equal(checkQuestions(qs, 'body.questions'), null);
    const back = structuredClone(qs);
    back[1]!.branches = [{ when: { lte: 3 }, goto: 'uses' }];
    assert.equal(checkQuestions(back, 'body.questions')?.field, 'body.questions.1.branches.0.goto');
    const unknown = structuredClone(qs);
    unknown[0]!.branches = [{ when: { equals: 'maybe' }, goto: 'why_not' }];
    assert.equal(checkQuestions(unknown, 'body.questions')?.field, 'body.questions.0.branches.0.when');
    const scale = structuredClone(qs);
    scale[1]!.branches = [{ when: { gte: 11 }, goto: 'end' }];
    assert.equal(checkQuestions(scale, 'body.questions')?.field, 'body.questions.1.branches.0.when');
    const dup = structuredClone(qs);
    dup[3]!.id = 'uses';
    assert.equal(checkQuestions(dup, 'body.questions')?.field, 'body.questions.3.id');
    assert.equal(checkQuestions([{ id: 'a', type: 'single', title: 'x', required: true, options: [{ id: 'o', text: 'o' }] }], 'q')?.field, 'q.0.options');
  });
});

describe('answers', () => {
  it('checks each type', () => {
    const q = (type: Question['type'], extra: Partial<Question> = {}): Question => ({ id: 'q', type, title: 't', required: true, ...extra });
    const opts = { options: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }, { id: 'c', text: 'C' }], max_choices: 2 };
    assert.deepEqual(checkAnswer(q('single', opts), 'a'), { value: 'a' });
    assert.ok('problem' in checkAnswer(q('single', opts), 'z'));
    assert.deepEqual(checkAnswer(q('multiple', opts), ['a', 'c']), { value: ['a', 'c'] });
    assert.ok('problem' in checkAnswer(q('multiple', opts), ['a', 'b', 'c']));
    assert.ok('problem' in checkAnswer(q('multiple', opts), ['a', 'a']));
    assert.deepEqual(checkAnswer(q('nps'), 0), { value: 0 });
    assert.ok('problem' in checkAnswer(q('nps'), 11));
    assert.ok('problem' in checkAnswer(q('rating'), 0));
    assert.ok('problem' in checkAnswer(q('csat'), 4.5));
    assert.deepEqual(checkAnswer(q('date'), '2024-02-29'), { value: '2024-02-29' });
    assert.ok('problem' in checkAnswer(q('date'), '2023-02-29'));
    assert.deepEqual(checkAnswer(q('text'), '  很好用  '), { value: '很好用' });
  });
});

describe('results', () => {
  it('NPS: promoters minus detractors; CSAT: share of 4-5; averages', () => {
    const d = new Map([
      [10, 5],
      [9, 1],
      [8, 2],
      [3, 2],
    ]);
    assert.deepEqual(nps(d), { promoters: 6, passives: 2, detractors: 2, score: 40 });
    assert.deepEqual(csat(new Map([[5, 3], [4, 1], [2, 4]])), { satisfied: 4, percent: 50 });
    assert.deepEqual(scaleSummary(new Map([[5, 1], [4, 2]])), { count: 3, average: 4.33 });
    assert.deepEqual(nps(new Map()), { promoters: 0, passives: 0, detractors: 0, score: null });
  });
  it('CSV cells are quoted and never run as formulas', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"\nbye'), '"say ""hi""\nbye"');
    assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
    assert.equal(csvCell(-3), '-3');
    assert.equal(csvCell(null), '');
  });
});

describe('targeting', () => {
  it('all trait rules must hold', () => {
    const traits = { plan: 'pro', age: 30, tags: ['beta'], city: null };
    assert.equal(targets(traits, [{ key: 'plan', op: 'eq', value: 'pro' }, { key: 'age', op: 'gte', value: 18 }]), true);
    assert.equal(targets(traits, [{ key: 'plan', op: 'in', value: ['free', 'trial'] }]), false);
    assert.equal(traitMatches(traits, { key: 'tags', op: 'contains', value: 'beta' }), true);
    assert.equal(traitMatches(traits, { key: 'city', op: 'exists' }), false);
    assert.equal(traitMatches(traits, { key: 'missing', op: 'neq', value: 1 }), true);
    assert.equal(traitMatches(traits, { key: 'age', op: 'lt', value: '40' }), false, 'no comparison across types');
    assert.equal(targets({}, []), true);
  });
});

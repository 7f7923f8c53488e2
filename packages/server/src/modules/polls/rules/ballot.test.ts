import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkChoice, countDeltas, isClosed, resultsVisible } from './ballot.ts';

describe('poll rules', () => {
  it('a poll is closed once closed by hand or at its deadline', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    assert.equal(isClosed({ closedAt: null, closesAt: null }, now), false);
    assert.equal(isClosed({ closedAt: null, closesAt: new Date('2025-01-01T00:00:01Z') }, now), false);
    assert.equal(isClosed({ closedAt: null, closesAt: now }, now), true);
    assert.equal(isClosed({ closedAt: new Date('2024-01-01T00:00:00Z'), closesAt: null }, now), true);
  });

  it('end users see counts per the visibility setting; privileged callers always', () => {
    const s = (closed: boolean, hasVoted: boolean, privileged = false) => ({ closed, hasVoted, privileged });
    assert.equal(resultsVisible('always', s(false, false)), true);
    assert.equal(resultsVisible('after_vote', s(false, false)), false);
    assert.equal(resultsVisible('after_vote', s(false, true)), true);
    assert.equal(resultsVisible('after_vote', s(true, false)), true);
    assert.equal(resultsVisible('after_close', s(false, true)), false);
    assert.equal(resultsVisible('after_close', s(true, false)), true);
    assert.equal(resultsVisible('after_close', s(false, false, true)), true);
  });

  it('names the bad option by its index', () => {
    const poll = { id: 'poll_1', kind: 'multiple', maxChoices: 2 };
    const own = new Set(['a', 'b', 'c']);
    assert.equal(checkChoice(poll, ['a', 'b'], own), null);
    assert.equal(checkChoice(poll, ['a', 'x'], own)?.field, 'body.option_ids.1');
    assert.equal(checkChoice(poll, ['a', 'a'], own)?.field, 'body.option_ids.1');
    assert.equal(checkChoice(poll, ['a', 'b', 'c'], own)?.field, 'body.option_ids');
    assert.equal(checkChoice({ ...poll, kind: 'single', maxChoices: 1 }, ['a', 'b'], own)?.message, 'a single-choice poll takes exactly one option');
  });

  it('count deltas of a vote change are sorted by option id and omit unchanged options', () => {
    assert.deepEqual(countDeltas([], ['b', 'a']), [
      { optionId: 'a', delta: 1 },
      { optionId: 'b', delta: 1 },
    ]);
    assert.deepEqual(countDeltas(['a', 'c'], ['c', 'b']), [
      { optionId: 'a', delta: -1 },
      { optionId: 'b', delta: 1 },
    ]);
    assert.deepEqual(countDeltas(['a'], ['a']), []);
  });
});

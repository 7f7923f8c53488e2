// The pure rule tree: the new kinds match the facts they name, and dependsOf says which changes
// can move a user.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rules, type GroupInput, type RuleInput } from '../types.ts';
import { couponFact, dependsOf, emptyFacts, leafKey, matches, type Facts } from './evaluate.ts';

const tree = (...rules: unknown[]): GroupInput => Rules.parse({ all: rules });
const rule = (r: unknown): RuleInput => (tree(r) as { all: RuleInput[] }).all[0]!;
const facts = (f: Partial<Facts>): Facts => ({ ...emptyFacts({}), ...f });

describe('segment rules: level, badge, coupon, lurker, churn_risk', () => {
  it('level: equals, or within min/max inclusive', () => {
    const at = (level: number) => facts({ level });
    assert.equal(matches(tree({ kind: 'level', equals: 2 }), at(2)), true);
    assert.equal(matches(tree({ kind: 'level', equals: 2 }), at(3)), false);
    assert.equal(matches(tree({ kind: 'level', min: 2, max: 3 }), at(3)), true);
    assert.equal(matches(tree({ kind: 'level', min: 2, max: 3 }), at(1)), false);
    assert.equal(matches(tree({ kind: 'level', max: 1 }), at(0)), true);
  });

  it('badge: by id or by key, has or has not', () => {
    const f = facts({ badgeIds: new Set(['badge_1']), badgeKeys: new Set(['vip']) });
    assert.equal(matches(tree({ kind: 'badge', badge_id: 'badge_1' }), f), true);
    assert.equal(matches(tree({ kind: 'badge', badge_key: 'vip' }), f), true);
    assert.equal(matches(tree({ kind: 'badge', badge_key: 'vip', has: false }), f), false);
    assert.equal(matches(tree({ kind: 'badge', badge_key: 'other', has: false }), f), true);
    assert.equal(matches(tree({ kind: 'badge', badge_id: 'vip' }), f), false, 'an id is not a key');
  });

  it('coupon: a template in a status (default available), has or has not', () => {
    const f = facts({ coupons: new Set([couponFact('cpt_a', 'redeemed')]) });
    assert.equal(matches(tree({ kind: 'coupon', template_id: 'cpt_a' }), f), false);
    assert.equal(matches(tree({ kind: 'coupon', template_id: 'cpt_a', status: 'redeemed' }), f), true);
    assert.equal(matches(tree({ kind: 'coupon', template_id: 'cpt_b', status: 'redeemed' }), f), false);
    assert.equal(matches(tree({ kind: 'coupon', template_id: 'cpt_a', has: false }), f), true);
  });

  it('lurker and churn_risk: the leaves the analytics read flagged, each by its own parameters', () => {
    const l14 = rule({ kind: 'lurker', days: 14 });
    const l7 = rule({ kind: 'lurker', days: 7 });
    const churn = rule({ kind: 'churn_risk' });
    const f = facts({ flagged: new Set([leafKey(l14), leafKey(churn)]) });
    assert.equal(matches({ all: [l14] }, f), true);
    assert.equal(matches({ all: [l7] }, f), false);
    assert.equal(matches({ any: [l7, churn] }, f), true);
    assert.deepEqual(churn, { kind: 'churn_risk', recent_days: 14, baseline_days: 56, min_baseline_days: 4, min_drop: 0.5 }, 'the defaults of GET /v1/analytics/churn-risk');
  });

  it('dependsOf: levels, badges, coupons by template, and the interaction events a lurker rule names', () => {
    const d = dependsOf(
      tree(
        { kind: 'level', min: 1 },
        { any: [{ kind: 'badge', badge_key: 'vip' }, { kind: 'coupon', template_id: 'cpt_a' }] },
        { kind: 'lurker', days: 7, interaction_events: ['comment.posted'] },
        { kind: 'churn_risk' },
      ),
    );
    assert.deepEqual([d.level, d.badges, [...d.coupons], [...d.events], d.traits, d.segments.size], [true, true, ['cpt_a'], ['comment.posted'], false, 0]);
    const none = dependsOf(tree({ kind: 'traits', conditions: { plan: 'pro' } }));
    assert.deepEqual([none.level, none.badges, none.coupons.size], [false, false, 0]);
  });
});

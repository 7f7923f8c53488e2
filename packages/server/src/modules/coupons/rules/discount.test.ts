import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quote, type CouponTerms } from './discount.ts';

const base: CouponTerms = { kind: 'fixed', amount: 500, percentOff: null, maxDiscount: null, minSpend: 0, productIds: [], categoryIds: [] };
const order = { items: [{ product_id: 'tea', category_ids: ['drinks'], unit_price: 1200, quantity: 2 }, { product_id: 'cake', category_ids: ['food'], unit_price: 800, quantity: 1 }], shipping_fee: 600 };

describe('coupon discount', () => {
  it('fixed: takes its amount, never more than the eligible subtotal', () => {
    const q = quote(base, order);
    assert.deepEqual(q, { applicable: true, discount: 500, eligibleSubtotal: 3200, subtotal: 3200, shippingFee: 600, freeShipping: false, payable: 3300 });
    const big = quote({ ...base, amount: 10_000, productIds: ['cake'] }, order);
    assert.equal(big.applicable && big.discount, 800);
  });
  it('percentage: rounds down and respects the cap', () => {
    assert.equal((quote({ ...base, kind: 'percentage', percentOff: 15 }, order) as { discount: number }).discount, 480);
    assert.equal((quote({ ...base, kind: 'percentage', percentOff: 15, maxDiscount: 300 }, order) as { discount: number }).discount, 300);
    assert.equal((quote({ ...base, kind: 'percentage', percentOff: 33, categoryIds: ['food'] }, order) as { discount: number }).discount, 264);
  });
  it('threshold (满减): only from the minimum spend on eligible items', () => {
    const t = { ...base, kind: 'threshold' as const, amount: 1000, minSpend: 3000 };
    assert.equal((quote(t, order) as { discount: number }).discount, 1000);
    const q = quote({ ...t, categoryIds: ['drinks'] }, order);
    assert.deepEqual(q, { applicable: false, reason: 'below_minimum', eligibleSubtotal: 2400, subtotal: 3200, minSpend: 3000 });
  });
  it('free shipping: takes the shipping fee', () => {
    const q = quote({ ...base, kind: 'free_shipping' }, order);
    assert.deepEqual(q.applicable && [q.discount, q.freeShipping, q.payable], [600, true, 3200]);
  });
  it('out of scope when no item matches a product or category', () => {
    assert.deepEqual(quote({ ...base, productIds: ['coffee'], categoryIds: ['toys'] }, order), { applicable: false, reason: 'out_of_scope', eligibleSubtotal: 0, subtotal: 3200, minSpend: 0 });
  });
});

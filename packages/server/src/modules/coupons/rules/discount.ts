// What a coupon takes off an order the host describes. Pure: no I/O. Money is in minor units.

export type CouponTerms = {
  kind: 'fixed' | 'percentage' | 'threshold' | 'free_shipping';
  amount: number;
  percentOff: number | null;
  maxDiscount: number | null;
  minSpend: number;
  productIds: string[];
  categoryIds: string[];
};

export type OrderItem = { product_id: string; category_ids?: string[] | undefined; unit_price: number; quantity: number };
export type Order = { items: OrderItem[]; shipping_fee?: number | undefined };

export type Quote =
  | { applicable: true; discount: number; eligibleSubtotal: number; subtotal: number; shippingFee: number; freeShipping: boolean; payable: number }
  | { applicable: false; reason: 'out_of_scope' | 'below_minimum'; eligibleSubtotal: number; subtotal: number; minSpend: number };

/** Whether the item is in the coupon's scope: no scope = everything; else its product or one of its categories. */
export function inScope(terms: Pick<CouponTerms, 'productIds' | 'categoryIds'>, item: OrderItem): boolean {
  if (terms.productIds.length === 0 && terms.categoryIds.length === 0) return true;
  if (terms.productIds.includes(item.product_id)) return true;
  return (item.category_ids ?? []).some((c) => terms.categoryIds.includes(c));
}

export function quote(terms: CouponTerms, order: Order): Quote {
  const subtotal = order.items.reduce((s, i) => s + i.unit_price * i.quantity, 0);
  const eligibleSubtotal = order.items.filter((i) => inScope(terms, i)).reduce((s, i) => s + i.unit_price * i.quantity, 0);
  const shippingFee = order.shipping_fee ?? 0;
  if (order.items.every((i) => !inScope(terms, i))) return { applicable: false, reason: 'out_of_scope', eligibleSubtotal, subtotal, minSpend: terms.minSpend };
  if (eligibleSubtotal < terms.minSpend) return { applicable: false, reason: 'below_minimum', eligibleSubtotal, subtotal, minSpend: terms.minSpend };
  let discount = 0;
  let freeShipping = false;
  switch (terms.kind) {
    case 'fixed':
    case 'threshold':
      discount = Math.min(terms.amount, eligibleSubtotal);
      break;
    case 'percentage': {
      const raw = Math.floor((eligibleSubtotal * (terms.percentOff ?? 0)) / 100);
      discount = terms.maxDiscount === null ? raw : Math.min(raw, terms.maxDiscount);
      break;
    }
    case 'free_shipping':
      discount = shippingFee;
      freeShipping = true;
      break;
  }
  return { applicable: true, discount, eligibleSubtotal, subtotal, shippingFee, freeShipping, payable: subtotal + shippingFee - discount };
}

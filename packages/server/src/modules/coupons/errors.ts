import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'coupons.template_not_found': true;
    'coupons.not_found': true;
    'coupons.sold_out': true;
    'coupons.limit_reached': true;
    'coupons.not_claimable': true;
    'coupons.not_eligible': true;
    'coupons.not_applicable': true;
    'coupons.not_yet_valid': true;
    'coupons.expired': true;
    'coupons.not_available': true;
    'coupons.order_mismatch': true;
    'coupons.already_redeemed': true;
  }
}

defineErrors({
  'coupons.template_not_found': [404, '优惠券模板不存在'],
  'coupons.not_found': [404, '优惠券不存在'],
  'coupons.sold_out': [409, '优惠券已领完'],
  'coupons.limit_reached': [409, '已达到领取上限'],
  'coupons.not_claimable': [409, '该优惠券当前不可领取'],
  'coupons.not_eligible': [403, '该用户不在这张优惠券面向的用户分群中'],
  'coupons.not_applicable': [409, '该订单不满足优惠券使用条件'],
  'coupons.not_yet_valid': [409, '优惠券尚未生效'],
  'coupons.expired': [409, '优惠券已过期'],
  'coupons.not_available': [409, '优惠券当前不可使用'],
  'coupons.order_mismatch': [409, '优惠券不属于该订单'],
  'coupons.already_redeemed': [409, '优惠券已使用，不能作废'],
});

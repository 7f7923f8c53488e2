import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'points.insufficient_balance': true;
    'points.unknown_type': true;
    'points.rule_not_found': true;
    'points.entry_not_found': true;
    'points.idempotency_conflict': true;
    'points.not_refundable': true;
    'points.already_refunded': true;
  }
}

defineErrors({
  'points.insufficient_balance': [409, '积分不足'],
  'points.unknown_type': [404, '积分类型不存在'],
  'points.rule_not_found': [404, '积分规则不存在'],
  'points.entry_not_found': [404, '积分流水不存在'],
  'points.idempotency_conflict': [409, '该幂等键已用于另一笔积分变动'],
  'points.not_refundable': [409, '该积分流水不能退还'],
  'points.already_refunded': [409, '该笔积分扣减已退还过'],
});

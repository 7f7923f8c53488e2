import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'segments.not_found': true;
    'segments.in_use': true;
    'segments.not_configured': true;
  }
}

defineErrors({
  'segments.not_found': [404, '分群不存在'],
  'segments.in_use': [409, '该分群被其他分群的规则引用，不能删除'],
  'segments.not_configured': [409, '尚未设置（RFM 或核心用户）'],
});

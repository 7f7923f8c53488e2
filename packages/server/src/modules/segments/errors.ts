import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'segments.not_found': true;
    'segments.in_use': true;
  }
}

defineErrors({
  'segments.not_found': [404, '分群不存在'],
  'segments.in_use': [409, '该分群被其他分群的规则引用，不能删除'],
});

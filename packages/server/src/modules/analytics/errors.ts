import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'analytics.segment_not_found': true;
  }
}

defineErrors({
  'analytics.segment_not_found': [404, '分群不存在'],
});

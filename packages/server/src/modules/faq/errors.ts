import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'faq.entry_not_found': true;
    'faq.duplicate_key': true;
  }
}

defineErrors({
  'faq.entry_not_found': [404, '问答条目不存在'],
  'faq.duplicate_key': [409, '已有相同 external_key 的问答条目'],
});

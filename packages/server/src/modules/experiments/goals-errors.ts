// Error codes of goals (to merge into errors.ts with the rest of the module).
import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'goals.not_found': true;
  }
}

defineErrors({
  'goals.not_found': [404, '目标不存在'],
});

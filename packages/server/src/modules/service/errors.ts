import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'service.conversation_not_found': true;
    'service.already_assigned': true;
    'service.not_agent': true;
    'service.resolved': true;
    'service.not_resolved': true;
    'service.already_rated': true;
    'service.canned_not_found': true;
  }
}

defineErrors({
  'service.conversation_not_found': [404, '会话不存在'],
  'service.already_assigned': [409, '会话已由其他客服接待'],
  'service.not_agent': [409, '该操作员不是此应用的客服'],
  'service.resolved': [409, '会话已解决'],
  'service.not_resolved': [409, '会话解决后才能评价'],
  'service.already_rated': [409, '该会话已评价'],
  'service.canned_not_found': [404, '快捷回复不存在'],
});

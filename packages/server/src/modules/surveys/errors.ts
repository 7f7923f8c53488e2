import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'surveys.not_found': true;
    'surveys.not_active': true;
    'surveys.quota_reached': true;
    'surveys.already_completed': true;
    'surveys.has_responses': true;
  }
}

defineErrors({
  'surveys.not_found': [404, '问卷不存在'],
  'surveys.not_active': [409, '问卷当前未开放'],
  'surveys.quota_reached': [409, '问卷回收数量已满'],
  'surveys.already_completed': [409, '你已经完成了这份问卷'],
  'surveys.has_responses': [409, '问卷已有回答，不能再修改题目'],
});

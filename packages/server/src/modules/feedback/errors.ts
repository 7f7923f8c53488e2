import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'feedback.board_not_found': true;
    'feedback.post_not_found': true;
    'feedback.post_merged': true;
    'feedback.invalid_transition': true;
    'feedback.merge_invalid': true;
    'feedback.not_voted': true;
  }
}

defineErrors({
  'feedback.board_not_found': [404, '反馈板不存在'],
  'feedback.post_not_found': [404, '反馈不存在'],
  'feedback.post_merged': [409, '该反馈已合并到另一条反馈'],
  'feedback.invalid_transition': [409, '不能切换到该状态'],
  'feedback.merge_invalid': [409, '无法合并这两条反馈'],
  'feedback.not_voted': [404, '该用户没有投票'],
});

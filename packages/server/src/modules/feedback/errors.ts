import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'feedback.board_not_found': true;
    'feedback.post_not_found': true;
    'feedback.post_merged': true;
    'feedback.invalid_transition': true;
    'feedback.merge_invalid': true;
    'feedback.not_voted': true;
    'feedback.not_author': true;
    'feedback.not_editable': true;
  }
}

defineErrors({
  'feedback.board_not_found': [404, '反馈板不存在'],
  'feedback.post_not_found': [404, '反馈不存在'],
  'feedback.post_merged': [409, '该反馈已合并到另一条反馈'],
  'feedback.invalid_transition': [409, '不能切换到该状态'],
  'feedback.merge_invalid': [409, '无法合并这两条反馈'],
  'feedback.not_voted': [404, '该用户没有投票'],
  'feedback.not_author': [403, '只有作者本人可以编辑这条反馈'],
  'feedback.not_editable': [409, '反馈已进入处理流程，作者不能再编辑'],
});

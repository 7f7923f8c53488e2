import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'communities.not_found': true;
    'communities.full': true;
    'communities.banned': true;
    'communities.not_member': true;
    'communities.invite_required': true;
    'communities.invite_invalid': true;
    'communities.wrong_type': true;
    'communities.no_application': true;
    'communities.owner_cannot_leave': true;
    'communities.muted': true;
    'communities.post_not_found': true;
    'communities.not_question': true;
  }
}

defineErrors({
  'communities.not_found': [404, '社群不存在'],
  'communities.full': [409, '社群已满员'],
  'communities.banned': [403, '你已被该社群封禁'],
  'communities.not_member': [404, '该用户不是社群成员'],
  'communities.invite_required': [403, '该社群仅限邀请加入'],
  'communities.invite_invalid': [409, '邀请链接无效、已过期或已用完'],
  'communities.wrong_type': [409, '该社群的加入方式不支持此操作'],
  'communities.no_application': [404, '没有待审核的入群申请'],
  'communities.owner_cannot_leave': [409, '群主不能退出社群，请先转让群主'],
  'communities.muted': [403, '你在该社群中被禁言'],
  'communities.post_not_found': [404, '帖子或回复不存在'],
  'communities.not_question': [409, '只有提问可以采纳回答'],
});

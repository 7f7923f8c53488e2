import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'polls.not_found': true;
    'polls.closed': true;
    'polls.already_voted': true;
    'polls.not_voted': true;
    'polls.voters_hidden': true;
  }
}

defineErrors({
  'polls.not_found': [404, '投票不存在'],
  'polls.closed': [409, '投票已截止'],
  'polls.already_voted': [409, '你已经投过票，该投票不允许改票'],
  'polls.not_voted': [404, '该用户没有投票'],
  'polls.voters_hidden': [403, '匿名投票不公开投票人'],
});

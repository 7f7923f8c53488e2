import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'live.room_not_found': true;
    'live.room_closed': true;
    'live.rate_limited': true;
  }
}

defineErrors({
  'live.room_not_found': [404, '直播间不存在'],
  'live.room_closed': [409, '直播已结束'],
  'live.rate_limited': [429, '发言太快了，请稍后再试'],
});

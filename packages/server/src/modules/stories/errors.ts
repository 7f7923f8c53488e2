import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'stories.campaign_not_found': true;
    'stories.entry_not_found': true;
    'stories.campaign_closed': true;
    'stories.not_liked': true;
    'stories.not_approved': true;
  }
}

defineErrors({
  'stories.campaign_not_found': [404, '征集活动不存在'],
  'stories.entry_not_found': [404, '作品不存在'],
  'stories.campaign_closed': [409, '征集活动已结束'],
  'stories.not_liked': [404, '该用户没有点赞'],
  'stories.not_approved': [409, '作品未通过审核'],
});

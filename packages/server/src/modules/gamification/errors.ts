import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'checkin.disabled': true;
    'checkin.already_checked_in': true;
    'checkin.makeup_disabled': true;
    'checkin.makeup_limit': true;
    'levels.not_found': true;
    'badges.not_found': true;
    'badges.key_taken': true;
    'tasks.not_found': true;
    'tasks.key_taken': true;
    'tasks.not_completed': true;
    'tasks.already_claimed': true;
    'lottery.not_found': true;
    'lottery.prize_not_found': true;
    'lottery.not_active': true;
    'lottery.daily_limit': true;
    'lottery.not_eligible': true;
    'mall.item_not_found': true;
    'mall.item_unavailable': true;
    'mall.out_of_stock': true;
    'mall.limit_reached': true;
    'mall.order_not_found': true;
    'mall.invalid_transition': true;
    'daily_reward.disabled': true;
    'gamification.blocked': true;
    'gamification.limit_exceeded': true;
    'gamification.flag_not_found': true;
  }
}

defineErrors({
  'checkin.disabled': [409, '签到未开启'],
  'checkin.already_checked_in': [409, '今天已经签到过了'],
  'checkin.makeup_disabled': [409, '补签未开启或不支持该支付方式'],
  'checkin.makeup_limit': [409, '本月补签次数已用完'],
  'levels.not_found': [404, '等级不存在'],
  'badges.not_found': [404, '徽章不存在'],
  'badges.key_taken': [409, '徽章标识已存在'],
  'tasks.not_found': [404, '任务不存在'],
  'tasks.key_taken': [409, '任务标识已存在'],
  'tasks.not_completed': [409, '任务尚未完成'],
  'tasks.already_claimed': [409, '任务奖励已领取'],
  'lottery.not_found': [404, '抽奖活动不存在'],
  'lottery.prize_not_found': [404, '奖品不存在'],
  'lottery.not_active': [409, '抽奖活动未开始或已结束'],
  'lottery.daily_limit': [409, '今日抽奖次数已用完'],
  'lottery.not_eligible': [403, '该用户不在本抽奖面向的用户分群中'],
  'mall.item_not_found': [404, '商品不存在'],
  'mall.item_unavailable': [409, '商品已下架'],
  'mall.out_of_stock': [409, '商品库存不足'],
  'mall.limit_reached': [409, '已达到该商品的兑换上限'],
  'mall.order_not_found': [404, '订单不存在'],
  'mall.invalid_transition': [409, '订单当前状态不允许该操作'],
  'daily_reward.disabled': [409, '每日登录奖励未开启'],
  'gamification.blocked': [403, '账号因异常行为被限制参与活动'],
  'gamification.limit_exceeded': [429, '操作过于频繁，请稍后再试'],
  'gamification.flag_not_found': [404, '风险标记不存在'],
});

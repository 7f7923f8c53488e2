import { defineErrors } from '../../http/errors.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'campaigns.not_found': true;
    'campaigns.not_editable': true;
    'campaigns.invalid_transition': true;
    'campaigns.wrong_kind': true;
    'campaigns.not_ready': true;
    'campaigns.not_active': true;
    'campaigns.budget_exceeded': true;
    'campaigns.user_limit_reached': true;
    'campaigns.held_out': true;
    'campaigns.not_eligible': true;
    'flash_sale.session_not_found': true;
    'flash_sale.item_not_found': true;
    'flash_sale.reservation_not_found': true;
    'flash_sale.not_started': true;
    'flash_sale.ended': true;
    'flash_sale.sold_out': true;
    'flash_sale.limit_reached': true;
    'flash_sale.token_required': true;
    'flash_sale.token_invalid': true;
    'flash_sale.token_window_closed': true;
    'flash_sale.reservation_expired': true;
    'flash_sale.reservation_closed': true;
    'flash_sale.stock_below_sold': true;
    'group_buy.team_not_found': true;
    'group_buy.team_full': true;
    'group_buy.team_closed': true;
    'group_buy.already_member': true;
    'group_buy.open_team_exists': true;
    'group_buy.member_not_found': true;
    'group_buy.member_closed': true;
    'group_buy.leader_cannot_leave': true;
    'bargain.not_found': true;
    'bargain.active_exists': true;
    'bargain.self_cut': true;
    'bargain.already_cut': true;
    'bargain.floor_reached': true;
    'bargain.closed': true;
    'presale.order_not_found': true;
    'presale.window_closed': true;
    'presale.order_closed': true;
    'crowdfunding.pledge_not_found': true;
    'crowdfunding.tier_not_found': true;
    'crowdfunding.tier_sold_out': true;
    'crowdfunding.pledge_closed': true;
    'referral.code_not_found': true;
    'referral.self_referral': true;
    'referral.loop': true;
    'referral.already_attributed': true;
    'referral.invitee_not_new': true;
  }
}

defineErrors({
  'campaigns.not_found': [404, '活动不存在'],
  'campaigns.not_editable': [409, '活动已开始或已结束，不能再修改'],
  'campaigns.invalid_transition': [409, '活动当前状态不允许该操作'],
  'campaigns.wrong_kind': [409, '活动类型不支持该操作'],
  'campaigns.not_ready': [409, '活动配置不完整，不能发布'],
  'campaigns.not_active': [409, '活动未在进行中'],
  'campaigns.budget_exceeded': [409, '超出活动预算'],
  'campaigns.user_limit_reached': [409, '已达到本活动的参与上限'],
  'campaigns.held_out': [403, '该用户在本活动的对照组（holdout）中，不能参与'],
  'campaigns.not_eligible': [403, '该用户不在本活动面向的用户分群中'],
  'flash_sale.session_not_found': [404, '秒杀场次不存在'],
  'flash_sale.item_not_found': [404, '秒杀商品不存在'],
  'flash_sale.reservation_not_found': [404, '抢购记录不存在'],
  'flash_sale.not_started': [409, '秒杀尚未开始'],
  'flash_sale.ended': [409, '秒杀已结束'],
  'flash_sale.sold_out': [409, '已抢光'],
  'flash_sale.limit_reached': [409, '已达到限购数量'],
  'flash_sale.token_required': [403, '需要先领取抢购资格'],
  'flash_sale.token_invalid': [403, '抢购资格无效或已过期'],
  'flash_sale.token_window_closed': [409, '当前不在抢购资格发放时间内'],
  'flash_sale.reservation_expired': [409, '抢购保留已超时'],
  'flash_sale.reservation_closed': [409, '该抢购记录已确认或已释放'],
  'flash_sale.stock_below_sold': [409, '库存不能少于已售出和已占用的数量'],
  'group_buy.team_not_found': [404, '拼团不存在'],
  'group_buy.team_full': [409, '该团已满员'],
  'group_buy.team_closed': [409, '该团已结束'],
  'group_buy.already_member': [409, '你已在该团中'],
  'group_buy.open_team_exists': [409, '你已有一个进行中的团'],
  'group_buy.member_not_found': [404, '该用户不是团成员'],
  'group_buy.member_closed': [409, '该成员已确认或已退出'],
  'group_buy.leader_cannot_leave': [409, '团长不能退出还有其他成员的团'],
  'bargain.not_found': [404, '砍价不存在'],
  'bargain.active_exists': [409, '你已有一个进行中的砍价'],
  'bargain.self_cut': [409, '不能给自己砍价'],
  'bargain.already_cut': [409, '你已经帮砍过了'],
  'bargain.floor_reached': [409, '已砍到底价'],
  'bargain.closed': [409, '该砍价已结束'],
  'presale.order_not_found': [404, '预售订单不存在'],
  'presale.window_closed': [409, '当前不在支付时间内'],
  'presale.order_closed': [409, '该预售订单已完成、已取消或定金已作废'],
  'crowdfunding.pledge_not_found': [404, '众筹支持记录不存在'],
  'crowdfunding.tier_not_found': [404, '众筹档位不存在'],
  'crowdfunding.tier_sold_out': [409, '该档位名额已满'],
  'crowdfunding.pledge_closed': [409, '该支持已结束或已取消'],
  'referral.code_not_found': [404, '邀请码不存在'],
  'referral.self_referral': [409, '不能邀请自己'],
  'referral.loop': [409, '不能互相邀请'],
  'referral.already_attributed': [409, '该用户已有邀请人'],
  'referral.invitee_not_new': [409, '该用户不是新用户，不能被邀请'],
});

// Engagement families: which domain events (events/known.ts) measure which capability. A family's
// participants are the events' acting users (the log's actor). Pure data; the compiler checks every
// name against the catalogue of domain events.
import type { EventName } from '../../../events.ts';

export const FAMILIES = {
  likes: { en: 'Likes', zh: '点赞', events: ['interaction.liked', 'interaction.triple'] },
  favourites: { en: 'Favourites', zh: '收藏', events: ['interaction.favourited'] },
  shares: { en: 'Shares', zh: '分享', events: ['interaction.shared'] },
  follows: { en: 'Follows', zh: '关注', events: ['interaction.followed'] },
  comments: { en: 'Comments', zh: '评论', events: ['comment.created'] },
  checkins: { en: 'Check-ins', zh: '签到', events: ['checkin.completed'] },
  lottery: { en: 'Lottery draws', zh: '抽奖', events: ['lottery.drawn'] },
  polls: { en: 'Poll votes', zh: '投票', events: ['poll.voted'] },
  surveys: { en: 'Surveys completed', zh: '问卷', events: ['survey.completed'] },
  feedback: { en: 'Feedback posts, votes and comments', zh: '反馈', events: ['feedback.post.created', 'feedback.post.voted', 'feedback.comment.created'] },
  stories: { en: 'Story entries', zh: '用户故事', events: ['story.entry.created'] },
  coupons_received: { en: 'Coupons received (claimed or issued)', zh: '领券（领取或发放）', events: ['coupon.issued'] },
  coupons_redeemed: { en: 'Coupons redeemed', zh: '用券', events: ['coupon.redeemed'] },
  campaigns: {
    en: 'Campaign participation (group buy, flash sale, bargain, presale, crowdfunding)',
    zh: '活动参与（拼团、秒杀、砍价、预售、众筹）',
    events: ['group_buy.team.opened', 'group_buy.member.joined', 'flash_sale.reserved', 'bargain.started', 'bargain.cut', 'presale.deposit_paid', 'crowdfunding.pledged'],
  },
  mall: { en: 'Points-mall redemptions', zh: '积分商城兑换', events: ['mall.redeemed'] },
  tasks: { en: 'Tasks completed', zh: '完成任务', events: ['task.completed'] },
  messages_opened: { en: 'Messages opened', zh: '消息打开', events: ['message.read'] },
  messages_clicked: { en: 'Message links clicked', zh: '消息点击', events: ['message.clicked'] },
} as const satisfies Record<string, { en: string; zh: string; events: readonly EventName[] }>;

export type Family = keyof typeof FAMILIES;

const familyOf = new Map<string, Family>();
for (const [f, d] of Object.entries(FAMILIES) as [Family, (typeof FAMILIES)[Family]][]) for (const e of d.events) familyOf.set(e, f);

/** The family a domain event measures, if any. */
export const engagementFamily = (name: string): Family | undefined => familyOf.get(name);

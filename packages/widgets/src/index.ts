// Every widget at once: `import { configure } from '@canyu/widgets'` registers <canyu-like>,
// <canyu-comments>, <canyu-checkin>, <canyu-inbox>, <canyu-poll>, <canyu-triple>,
// <canyu-feedback-board>, <canyu-leaderboard>, <canyu-lottery>, <canyu-survey> and
// <canyu-danmaku>. Each is also its own entry (`@canyu/widgets/like`, dist/canyu-like.js) for
// pages that use only one.
export { configure, errorMessage, type WidgetClient, type WidgetClientOptions, type Lang } from './core.ts';
export { CanyuLike } from './like.ts';
export { CanyuComments } from './comments.ts';
export { CanyuCheckin } from './checkin.ts';
export { CanyuInbox } from './inbox.ts';
export { CanyuPoll } from './poll.ts';
export { CanyuTriple } from './triple.ts';
export { CanyuFeedbackBoard } from './feedback.ts';
export { CanyuLeaderboard } from './leaderboard.ts';
export { CanyuLottery } from './lottery.ts';
export { CanyuSurvey } from './survey.ts';
export { CanyuDanmaku } from './danmaku.ts';

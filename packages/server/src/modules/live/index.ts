// Live rooms (直播互动): chat, likes, online counts, live polls/lotteries as events. Clients join a
// room by subscribing to the realtime topic `live:<roomId>`.
export { createLive, type Live, type LiveDeps } from './service.ts';
export { liveRoutes } from './routes.ts';
export { WordMatcher } from './rules/words.ts';

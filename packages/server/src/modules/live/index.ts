// Live rooms (直播互动): chat filtered by the app's sensitive words, likes, online counts, live
// polls/lotteries as events. Clients join a room by subscribing to the realtime topic
// `live:<roomId>`.
export { createLive, type Live, type LiveDeps, type ModerationPort } from './service.ts';
export { liveRoutes } from './routes.ts';

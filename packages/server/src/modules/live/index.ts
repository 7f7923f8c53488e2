// Live rooms (直播互动): chat filtered by the app's sensitive words, likes, online counts, live
// polls/lotteries whose results and draws are pushed to the room. Clients join a room by subscribing to the realtime topic
// `live:<roomId>`.
export { createLive, type Live, type LiveDeps, type ModerationPort, type PollsPort, type LotteriesPort } from './service.ts';
export { liveRoutes } from './routes.ts';

// Live rooms (直播互动): chat filtered by the app's sensitive words, likes, online counts, live
// polls/lotteries whose results and draws are pushed to the room. Clients join a room by subscribing to the realtime topic
// `live:<roomId>`.
import type { Module } from '../../module.ts';
import type { Live } from './service.ts';
import { liveRoutes } from './routes.ts';

export { createLive, type Live, type LiveDeps, type ModerationPort, type PollsPort, type LotteriesPort } from './service.ts';
export { liveRoutes } from './routes.ts';

export function liveModule(live: Live): Module {
  return { name: 'live', routes: (api, { ctx }) => liveRoutes(api, { live, ctx }), erasure: live.erasure, start: () => live.start(), stop: () => live.stop() };
}

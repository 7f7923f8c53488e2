export { configure } from './core.ts';
export { CanyuLeaderboard } from './leaderboard.ts';

export { configure } from './core.ts';
export { CanyuDanmaku } from './danmaku.ts';

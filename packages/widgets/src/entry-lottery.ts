export { configure } from './core.ts';
export { CanyuLottery } from './lottery.ts';

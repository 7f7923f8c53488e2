export { configure } from './core.ts';
export { CanyuPoll } from './poll.ts';

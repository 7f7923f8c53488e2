export { configure } from './core.ts';
export { CanyuInbox } from './inbox.ts';

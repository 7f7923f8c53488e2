export { configure } from './core.ts';
export { CanyuComments } from './comments.ts';

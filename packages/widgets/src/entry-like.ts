export { configure } from './core.ts';
export { CanyuLike } from './like.ts';

export { configure } from './core.ts';

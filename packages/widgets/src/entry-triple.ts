export { configure } from './core.ts';
export { CanyuTriple } from './triple.ts';

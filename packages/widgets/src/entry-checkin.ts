export { configure } from './core.ts';
export { CanyuCheckin } from './checkin.ts';

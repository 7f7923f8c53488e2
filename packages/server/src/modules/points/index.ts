export { createPoints, wirePoints, type Points, type PointsDeps, type CreditInput, type DebitInput, type EntryResult, type MultiplierFn, type Source } from './service.ts';
export { pointsRoutes, presentEntry } from './routes.ts';
export type { EntryRow, TypeRow } from './store.ts';
export { EntryOut } from './types.ts';

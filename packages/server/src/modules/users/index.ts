export { createUsers, type Users, type UsersDeps } from './service.ts';
export { usersRoutes } from './routes.ts';
export type { UserRow, Recipient } from './store.ts';
export { isTimeZone, isLocale } from './types.ts';

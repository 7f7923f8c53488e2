import type { Module } from '../../module.ts';
import type { Users } from './service.ts';
import { usersRoutes } from './routes.ts';

export { createUsers, type Users, type UsersDeps } from './service.ts';
export { usersRoutes } from './routes.ts';
export type { UserRow, Recipient } from './store.ts';
export { isTimeZone, isLocale } from './types.ts';

export function usersModule(users: Users): Module {
  return { name: 'users', routes: (api, { ctx }) => usersRoutes(api, { users, ctx }), erasure: users.erasure };
}

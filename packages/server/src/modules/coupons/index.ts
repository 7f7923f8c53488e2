// Coupons: templates, claiming and issuing, quoting and redeeming against host orders, expiry.
import type { Module } from '../../module.ts';
import type { Coupons } from './service.ts';
import { couponsRoutes } from './routes.ts';

export { createCoupons, type Coupons, type CouponsDeps } from './service.ts';
export { couponsRoutes } from './routes.ts';
export type { CouponRow, TemplateRow } from './store.ts';

export function couponsModule(coupons: Coupons): Module {
  return { name: 'coupons', routes: (api, { ctx }) => couponsRoutes(api, { coupons, ctx }), jobs: (jobs) => coupons.registerJobs(jobs), erasure: coupons.erasure };
}

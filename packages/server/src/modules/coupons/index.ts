// Coupons: templates, claiming and issuing, quoting and redeeming against host orders, expiry.
export { createCoupons, type Coupons, type CouponsDeps } from './service.ts';
export { couponsRoutes } from './routes.ts';
export type { CouponRow, TemplateRow } from './store.ts';

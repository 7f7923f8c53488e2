// Inputs of RFM and core users.
import { z } from 'zod';

const EventName = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');
const Path = z.string().min(1).max(200).regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dot path such as amount or order.total');

export const RfmSettingsBody = z
  .strictObject({
    event: EventName.default('order.paid').describe('The purchase event (host event name)'),
    amount_path: Path.default('amount').describe('The numeric property holding the amount'),
    window_days: z.number().int().min(1).max(730).default(365).describe('Purchases in the last N days count'),
    method: z.enum(['quantile', 'fixed']).default('quantile').describe('quantile: high = strictly better than that quantile of the buyers; fixed: high = at least (F, M) or at most (R days) the given values'),
    quantile: z.number().min(0.05).max(0.95).default(0.5).describe('quantile method: 0.5 = the median'),
    recency_days: z.number().min(0).max(730).optional().describe('fixed method: R is high when the last purchase is at most this many days ago'),
    frequency: z.number().int().min(1).max(1_000_000).optional().describe('fixed method: F is high from this many purchases'),
    monetary: z.number().min(0).max(1e15).optional().describe('fixed method: M is high from this amount'),
  })
  .superRefine((b, c) => {
    if (b.method !== 'fixed') return;
    for (const k of ['recency_days', 'frequency', 'monetary'] as const) if (b[k] === undefined) c.addIssue({ code: 'custom', path: [k], message: 'required with method fixed' });
  });
export type RfmSettingsInput = z.infer<typeof RfmSettingsBody>;

export const CoreSettingsBody = z
  .strictObject({
    window_days: z.number().int().min(1).max(365).default(90).describe('Activity and spend in the last N days count'),
    top_percent: z.number().min(0.1).max(100).default(20).describe('The share of active users flagged as core (the 2/8 rule: 20)'),
    weights: z
      .strictObject({
        frequency: z.number().min(0).max(100).default(1).describe('Active days'),
        duration: z.number().min(0).max(100).default(1).describe('Engaged time (half-hours with any event)'),
        spend: z.number().min(0).max(100).default(1).describe('Sum of the amount on spend_event'),
      })
      .default({ frequency: 1, duration: 1, spend: 1 })
      .refine((w) => w.frequency + w.duration + w.spend > 0, { message: 'at least one weight must be above 0', path: ['frequency'] }),
    spend_event: EventName.default('order.paid'),
    amount_path: Path.default('amount'),
  });
export type CoreSettingsInput = z.infer<typeof CoreSettingsBody>;

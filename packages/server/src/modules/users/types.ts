import { z } from 'zod';
import { jsonObject } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function isLocale(l: string): boolean {
  try {
    return Intl.getCanonicalLocales(l).length === 1;
  } catch {
    return false;
  }
}

export const UserIdParams = z.strictObject({ userId: externalId('userId') });

export const IdentifyBody = z.strictObject({
  traits: jsonObject({ maxBytes: 16 * 1024, what: 'traits' })
    .optional()
    .describe('Merged into the stored traits key by key; a null value removes that trait. At most 16 KiB as JSON.'),
  timezone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').optional(),
  locale: z.string().max(35).refine(isLocale, 'must be a BCP 47 language tag such as zh-CN').optional(),
});
export type IdentifyInput = z.infer<typeof IdentifyBody>;

export const UserOut = z
  .object({
    user_id: z.string(),
    traits: z.record(z.string(), z.unknown()),
    timezone: z.string().nullable(),
    locale: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'User' });

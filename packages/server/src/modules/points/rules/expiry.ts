// When a credit's lot expires. Pure.
import { endOfLocalYear } from '../../../lib/localtime.ts';
import type { ExpiryPolicy } from '../schema.ts';

/**
 * `never` → null; `days` → N days after `now`; `end_of_year` → the end of the local year
 * `years_after` years from now (1 = "end of next year") in the policy's time zone.
 * An explicit override (a date, or a number of days) wins over the type's policy.
 */
export function expiresAtFor(policy: ExpiryPolicy, now: Date, override?: { at?: Date | null; days?: number | null }): Date | null {
  if (override?.at) return override.at;
  if (override?.days) return new Date(now.getTime() + override.days * 86_400_000);
  switch (policy.kind) {
    case 'never':
      return null;
    case 'days':
      return new Date(now.getTime() + policy.days * 86_400_000);
    case 'end_of_year':
      return endOfLocalYear(now, policy.timezone, policy.years_after);
  }
}

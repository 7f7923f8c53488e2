import { z } from 'zod';
import { jsonObject } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { dateTime } from '../../http/fields.ts';

export const MAX_BATCH = 1000;
/** Events may arrive late (offline clients) but not from the far future. */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;

export const EventIn = z.strictObject({
  event_id: externalId('event_id').optional().describe('Your unique id for this event; a repeated id is stored once. Omit only if you never retry.'),
  user_id: externalId('user_id').optional().describe('Required with a secret key; with a user token it defaults to (and must equal) the token user'),
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'name must not contain control characters')
    .describe('e.g. video.played, 签到'),
  properties: jsonObject({ maxBytes: 32 * 1024, what: 'properties' }).optional().describe('Free-form JSON object, at most 32 KiB'),
  timestamp: dateTime()
    .refine((t) => {
      const ms = Date.parse(t);
      return ms >= 0 && ms <= Date.now() + MAX_FUTURE_MS;
    }, 'timestamp must be after 1970 and at most 24 hours in the future')
    .optional()
    .describe('ISO 8601 with offset; default: when Canyu received it'),
});
export type EventInput = z.infer<typeof EventIn>;

export const IngestBody = z.strictObject({ events: z.array(EventIn).min(1).max(MAX_BATCH) });

export const IngestOut = z
  .object({
    accepted: z.number().int().describe('Events stored by this request'),
    duplicates: z.number().int().describe('Events whose event_id was already stored (not stored again)'),
  })
  .meta({ id: 'IngestResult' });

export const EventOut = z
  .object({
    event_id: z.string(),
    seq: z.number(),
    user_id: z.string(),
    name: z.string(),
    properties: z.record(z.string(), z.unknown()),
    timestamp: z.string(),
    received_at: z.string(),
  })
  .meta({ id: 'Event' });

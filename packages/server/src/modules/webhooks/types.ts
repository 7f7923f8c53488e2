import { z } from 'zod';
import { cleanText } from '../../http/json.ts';

const EVENT_TYPE = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

const httpUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without credentials')
  .describe('Where deliveries are POSTed');

const eventTypes = z
  .array(z.string().max(100).regex(EVENT_TYPE, 'must be an event type such as group_buy.team.succeeded, a prefix such as group_buy.*, or *'))
  .max(100)
  .describe('Event types this endpoint receives; `group_buy.*` matches a prefix; empty or omitted = every type');

export const EndpointIdParams = z.strictObject({ endpointId: z.string().min(1).max(64) });
export const DeliveryIdParams = z.strictObject({ deliveryId: z.string().min(1).max(64) });

export const CreateEndpointBody = z.strictObject({
  url: httpUrl,
  description: cleanText(0, 500).optional(),
  event_types: eventTypes.optional(),
  enabled: z.boolean().optional(),
});
export type CreateEndpointInput = z.infer<typeof CreateEndpointBody>;

export const UpdateEndpointBody = z.strictObject({
  url: httpUrl.optional(),
  description: cleanText(0, 500).optional(),
  event_types: eventTypes.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateEndpointInput = z.infer<typeof UpdateEndpointBody>;

export const RotateSecretBody = z.strictObject({
  grace_seconds: z.number().int().min(0).max(7 * 86400).optional().describe('How long the old secret keeps signing beside the new one (default 86400; 0 = stop at once)'),
});

export const DELIVERY_STATUSES = ['pending', 'sending', 'retrying', 'succeeded', 'failed'] as const;

export const EndpointOut = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.string()),
    enabled: z.boolean(),
    state: z.enum(['closed', 'open', 'half_open']).describe('Circuit breaker: closed = deliveries flow; open = paused after consecutive failures until circuit_open_until; half_open = the next attempt is a probe'),
    consecutive_failures: z.number().int().describe('Failed attempts in a row; a success resets it'),
    circuit_open_until: z.string().nullable().describe('While open: when one probe attempt will be let through'),
    secret_hint: z.string().describe('The last characters of the signing secret'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const SecretOut = z.object({ secret: z.string().describe('Signing secret `whsec_…`: verify `Canyu-Signature` with it') });

export const AttemptOut = z
  .object({
    attempt: z.number().int(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    response_body: z.string().nullable().describe('The first 256 characters of the answer (never read from refused destinations)'),
    duration_ms: z.number().int(),
    created_at: z.string(),
  })
  .meta({ id: 'WebhookAttempt' });

export const DeliveryOut = z
  .object({
    id: z.string(),
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export const DeliveryDetailOut = DeliveryOut.extend({ payload: z.record(z.string(), z.unknown()), attempt_log: z.array(AttemptOut) }).meta({ id: 'WebhookDeliveryDetail' });

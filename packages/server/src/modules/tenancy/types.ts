import { z } from 'zod';
import { cleanText, jsonObject } from '../../http/json.ts';
import { ROLES } from '../../http/permissions.ts';
import { ORIGIN_PATTERN } from '../../http/cors.ts';

/** A display name PostgreSQL text accepts (no NUL), trimmed. */
const Name = (min: number, max: number) => z.string().trim().pipe(cleanText(min, max));

export const Email = z.string().trim().toLowerCase().pipe(z.email().max(254));
export const Password = z.string().min(10, 'Password must have at least 10 characters').max(200);
export const RoleSchema = z.enum(ROLES);
export const Locale = z.enum(['zh-CN', 'en']);

export const LoginBody = z.strictObject({ email: Email, password: z.string().min(1).max(200) });
export const ChangePasswordBody = z.strictObject({ current_password: z.string().min(1).max(200), new_password: Password });
export const CreateAppBody = z.strictObject({ name: Name(1, 100) });
export const UpdateAppBody = z.strictObject({
  name: Name(1, 100).optional(),
  allowed_origins: z
    .array(z.string().max(200).regex(ORIGIN_PATTERN, 'must be an origin: scheme://host[:port] in lowercase, no path (https://shop.example.com, or https://*.example.com for its subdomains)'))
    .max(50)
    .optional()
    .describe('Browser origins whose pages may call the API with this app\'s keys (CORS); replaces the list'),
  settings: jsonObject({ maxBytes: 64 * 1024, what: 'settings' }).optional().describe('Merged into the current settings (shallow); at most 64 KiB as JSON'),
});
export const CreateKeyBody = z.strictObject({ kind: z.enum(['secret', 'publishable']), name: Name(0, 100).optional() });
export const RevokeKeyBody = z.strictObject({
  grace_seconds: z.number().int().min(0).max(30 * 86400).optional().describe('Keep the key working this long (zero-downtime rotation); default 0 = now'),
});
export const SetMemberBody = z.strictObject({
  email: Email,
  role: RoleSchema,
  name: Name(0, 100).optional(),
  password: Password.optional().describe('Creates the operator account if none has this email'),
  locale: Locale.optional(),
});
export const MintTokenBody = z.strictObject({
  ttl_seconds: z.number().int().min(60).max(30 * 86400).optional().describe('Default 3600; capped by CANYU_USER_TOKEN_MAX_TTL'),
});
export const AppIdParams = z.strictObject({ appId: z.string().min(1).max(64) });
export const KeyParams = z.strictObject({ appId: z.string().min(1).max(64), keyId: z.string().min(1).max(64) });
export const MemberParams = z.strictObject({ appId: z.string().min(1).max(64), operatorId: z.string().min(1).max(64) });

export const AppOut = z
  .object({ id: z.string(), name: z.string(), settings: z.record(z.string(), z.unknown()), allowed_origins: z.array(z.string()), created_at: z.string(), updated_at: z.string() })
  .meta({ id: 'App' });
export const KeyOut = z
  .object({
    id: z.string(),
    app_id: z.string(),
    kind: z.enum(['secret', 'publishable']),
    name: z.string(),
    hint: z.string().describe('Recognisable part of the key; the full key is shown only when created'),
    created_at: z.string(),
    revoked_at: z.string().nullable().describe('When the key stops (stopped) working; null = active'),
  })
  .meta({ id: 'ApiKey' });
export const OperatorOut = z
  .object({ id: z.string(), email: z.string(), name: z.string(), locale: z.string(), created_at: z.string() })
  .meta({ id: 'Operator' });
export const MemberOut = z
  .object({ operator_id: z.string(), email: z.string(), name: z.string(), role: RoleSchema, created_at: z.string() })
  .meta({ id: 'Member' });

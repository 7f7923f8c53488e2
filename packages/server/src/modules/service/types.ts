import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { USER_TEXT_NOTE } from '../../lib/text.ts';

export const STATUSES = ['bot', 'waiting', 'assigned', 'resolved'] as const;
export type Status = (typeof STATUSES)[number];
export const AGENT_STATUSES = ['online', 'away', 'offline'] as const;
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Most characters in one message; attachments are links (http or https only), at most 10. */
export const MAX_TEXT = 4000;
const attachment = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048);
const attachments = z.array(attachment).max(10).describe('Links to files (http or https URLs only)');
const skill = z.string().min(1).max(50).regex(/^[\p{L}\p{N}_.-]+$/u, 'letters, digits, _ . - only');

export const OpenBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('Required with a secret key or an operator session; a user token opens for its own user'),
  text: cleanText(1, MAX_TEXT).optional().describe('The first message (the bot answers it at once)'),
  attachments: attachments.optional(),
  skill: skill.optional().describe('The skill an agent needs (routing), e.g. billing'),
  locale: z.enum(LOCALES).optional().describe('The language the bot answers in (default zh-CN)'),
});
export type OpenInput = z.infer<typeof OpenBody>;

export const InboundBody = z.strictObject({
  channel: z.string().min(1).max(40).regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, _ and - (e.g. wecom)').refine((c) => c !== 'in_app' && c !== 'operator', 'in_app and operator are not bridge channels'),
  conversation_id: externalId('conversation_id').describe('The bridge’s own conversation id: the same one continues the same conversation'),
  message_id: externalId('message_id').describe('The bridge’s message id: a message sent twice is stored once'),
  user_id: externalId('user_id'),
  text: cleanText(1, MAX_TEXT),
  attachments: attachments.optional(),
  locale: z.enum(LOCALES).optional(),
});
export type InboundInput = z.infer<typeof InboundBody>;

export const MessageBody = z.strictObject({
  user_id: externalId('user_id').optional().describe('With a secret key: the user who writes (omit it to write as the app)'),
  text: cleanText(1, MAX_TEXT),
  attachments: attachments.optional(),
  internal: z.boolean().optional().describe('Operators only: an internal note agents see and the user never does'),
});

export const RateBody = z.strictObject({
  user_id: externalId('user_id').optional(),
  score: z.int().min(1).max(5).describe('Satisfaction (CSAT), 1 to 5'),
  comment: cleanText(1, 1000).optional(),
});

export const TransferBody = z
  .strictObject({ agent_id: z.string().min(1).max(64).optional().describe('An agent (operator id) to hand the conversation to'), skill: skill.optional().describe('Back to the queue for agents with this skill') })
  .refine((b) => (b.agent_id === undefined) !== (b.skill === undefined), { message: 'give agent_id or skill (one of them)' });

export const AgentBody = z.strictObject({
  status: z.enum(AGENT_STATUSES),
  skills: z.array(skill).max(20).optional(),
  capacity: z.int().min(1).max(100).optional().describe('Conversations at once (default 5)'),
});

export const CannedBody = z.strictObject({ title: cleanText(1, 100), body: cleanText(1, MAX_TEXT) });
export const CannedPatch = z.strictObject({ title: cleanText(1, 100).optional(), body: cleanText(1, MAX_TEXT).optional() });

export const SettingsBody = z.strictObject({
  bot_enabled: z.boolean().optional().describe('false: every conversation waits for an agent'),
  threshold: z.number().min(0).max(1).optional().describe('FAQ confidence at or above which the bot answers (default 0.6)'),
  handover_keywords: z.array(cleanText(1, 30)).max(50).optional().describe('Words that send the user to a person at once'),
  first_response_minutes: z.int().min(1).max(60 * 24 * 7).nullable().optional().describe('SLA: minutes from waiting to the first agent reply; null: none'),
  resolution_minutes: z.int().min(1).max(60 * 24 * 60).nullable().optional().describe('SLA: minutes from opening to resolved; null: none'),
});
export type SettingsInput = z.infer<typeof SettingsBody>;

export const DEFAULT_KEYWORDS = ['人工', '投诉', '退款', '转人工', 'human', 'agent', 'complaint', 'refund'];

export const ConversationOut = z
  .object({
    id: z.string(),
    user_id: z.string(),
    channel: z.string(),
    external_id: z.string().nullable(),
    status: z.enum(STATUSES),
    skill: z.string().nullable(),
    agent_id: z.string().nullable(),
    locale: z.enum(LOCALES),
    waiting_since: z.string().nullable(),
    waiting_seconds: z.number().nullable().describe('How long it has waited for an agent (status waiting)'),
    first_response_at: z.string().nullable(),
    resolved_at: z.string().nullable(),
    sla: z.object({ first_response_breached_at: z.string().nullable(), resolution_breached_at: z.string().nullable() }),
    rating: z.object({ score: z.number(), comment: z.string().nullable().describe(USER_TEXT_NOTE), rated_at: z.string() }).nullable(),
    last_message_at: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'ServiceConversation' });

export const MessageOut = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    author: z.object({ kind: z.enum(['user', 'bot', 'agent', 'system']), id: z.string().nullable() }),
    text: z.string().describe(USER_TEXT_NOTE),
    attachments: z.array(z.string()),
    internal: z.boolean(),
    sources: z.array(z.object({ entry_id: z.string(), question: z.string(), score: z.number() })).nullable().describe('The bot’s FAQ entries: the answer’s source, or the suggestions'),
    created_at: z.string(),
  })
  .meta({ id: 'ServiceMessage' });

export const AgentOut = z.object({ operator_id: z.string(), status: z.enum(AGENT_STATUSES), skills: z.array(z.string()), capacity: z.number(), active: z.number().describe('Conversations assigned now'), updated_at: z.string() }).meta({ id: 'ServiceAgent' });
export const CannedOut = z.object({ id: z.string(), title: z.string(), body: z.string(), created_at: z.string(), updated_at: z.string() }).meta({ id: 'ServiceCannedReply' });
export const SettingsOut = z.object({ bot_enabled: z.boolean(), threshold: z.number(), handover_keywords: z.array(z.string()), first_response_minutes: z.number().nullable(), resolution_minutes: z.number().nullable() });

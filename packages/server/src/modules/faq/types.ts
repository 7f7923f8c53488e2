import { z } from 'zod';
import { cleanText } from '../../http/json.ts';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Longest question a search or answer call takes (characters). */
export const MAX_QUERY = 500;

const key = cleanText(1, 200).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');
const question = cleanText(1, 500);
const category = cleanText(1, 100).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

export const EntryIdParams = z.strictObject({ entryId: z.string().min(1).max(64) });

export const CreateEntryBody = z.strictObject({
  external_key: key.optional().describe('Your own id for the entry; a bulk import updates the entry with the same key'),
  question,
  variants: z.array(question).max(50).default([]).describe('Other ways users ask the same question (paraphrases); each is matched like the question'),
  answer: cleanText(1, 10_000),
  category: category.optional(),
  locale: z.enum(LOCALES).describe('zh-CN or en'),
  enabled: z.boolean().default(true).describe('Disabled entries are kept but never returned by search'),
});
export type CreateEntryInput = z.infer<typeof CreateEntryBody>;

export const UpdateEntryBody = z.strictObject({
  question: question.optional(),
  variants: z.array(question).max(50).optional(),
  answer: cleanText(1, 10_000).optional(),
  category: category.nullable().optional(),
  locale: z.enum(LOCALES).optional(),
  enabled: z.boolean().optional(),
});
export type UpdateEntryInput = z.infer<typeof UpdateEntryBody>;

export const ImportBody = z.strictObject({
  entries: z
    .array(CreateEntryBody.extend({ external_key: key.describe('Required: the import creates or updates the entry with this key') }))
    .min(1)
    .max(1000)
    .describe('Up to 1,000 entries per call; importing the same array twice changes nothing'),
});
export type ImportEntry = z.infer<typeof ImportBody>['entries'][number];

export const ListEntriesQuery = {
  category: category.optional(),
  locale: z.enum(LOCALES).optional(),
  enabled: z.enum(['true', 'false']).optional().describe('Only enabled (true) or disabled (false) entries'),
  q: cleanText(1, 200).optional().describe('Substring of the question, a variant or the answer (case-insensitive)'),
};

export const SearchQuery = z.strictObject({
  q: cleanText(1, MAX_QUERY).describe('The question as the user typed it'),
  locale: z.enum(LOCALES).optional().describe('Only entries in this locale'),
  category: category.optional(),
  limit: z.coerce.number().int().min(1).max(20).default(5),
});

export const AnswerBody = z.strictObject({
  q: cleanText(1, MAX_QUERY).describe('The question as the user typed it'),
  locale: z.enum(LOCALES).optional(),
  category: category.optional(),
  limit: z.number().int().min(1).max(10).default(3).describe('Entries retrieved (and given to the generative endpoint)'),
});

export const SettingsBody = z.strictObject({
  generative: z.boolean().describe('Phrase answers through the chat endpoint (off by default)'),
  endpoint_url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048).nullable().optional().describe('Base URL of an OpenAI-compatible API; /v1/chat/completions is appended unless the URL already ends with /chat/completions'),
  model: cleanText(1, 200).nullable().optional(),
  api_key: cleanText(1, 1000).nullable().optional().describe('Sent as Bearer token; stored sealed, never returned. Omit to keep the stored key, null to remove it'),
  timeout_ms: z.number().int().min(200).max(60_000).optional().describe('After this the answer falls back to the top entry (default 5000)'),
});
export type SettingsInput = z.infer<typeof SettingsBody>;

export const EntryOut = z.object({
  id: z.string(),
  external_key: z.string().nullable(),
  question: z.string(),
  variants: z.array(z.string()),
  answer: z.string(),
  category: z.string().nullable(),
  locale: z.enum(LOCALES),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const HitOut = z.object({
  entry_id: z.string(),
  question: z.string(),
  answer: z.string(),
  category: z.string().nullable(),
  locale: z.enum(LOCALES),
  score: z.number().describe('Confidence 0…1: IDF-weighted cosine of the query and the best-matching question or variant'),
});

export const SettingsOut = z.object({
  generative: z.boolean(),
  endpoint_url: z.string().nullable(),
  model: z.string().nullable(),
  api_key_set: z.boolean().describe('Whether a key is stored (the key itself is never returned)'),
  timeout_ms: z.number(),
  updated_at: z.string().nullable(),
});

export const AnswerOut = z.object({
  answer: z.string().describe('The answer text; empty when nothing matched'),
  sources: z.array(z.string()).describe('Ids of the entries the answer rests on'),
  generated: z.boolean().describe('True when the chat endpoint phrased it; false for the top entry’s own answer'),
  hits: z.array(HitOut),
});

export const ImportOut = z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), ids: z.array(z.string()) });

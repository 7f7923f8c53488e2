import { z } from 'zod';
import { appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../http/route.ts';
import { escapeHtml } from '../../lib/text.ts';
import type { Faq, FaqHit } from './service.ts';
import type { EntryRow } from './store.ts';
import { AnswerBody, AnswerOut, CreateEntryBody, EntryIdParams, EntryOut, HitOut, ImportBody, ImportOut, ListEntriesQuery, SearchQuery, SettingsBody, SettingsOut, UpdateEntryBody, type Locale } from './types.ts';

const tags = ['FAQ'];

// Entries are the team's own wording (like templates), returned as written.
const presentEntry = (e: EntryRow): z.infer<typeof EntryOut> => ({
  id: e.id,
  external_key: e.externalKey,
  question: e.question,
  variants: e.variants,
  answer: e.answer,
  category: e.category,
  locale: e.locale as Locale,
  enabled: e.enabled,
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
});
const presentHit = (h: FaqHit): z.infer<typeof HitOut> => h;

const read = { secret: true, operator: 'app.read' } as const;
const manage = { secret: true, operator: 'faq.manage' } as const;
/** Hosts (secret key), end users (a help page with a user token) and the console ask questions. */
const ask = { secret: true, user: true, operator: 'app.read' } as const;

export function faqRoutes(api: Api, deps: { faq: Faq; ctx: RequestCtx }): void {
  const { faq, ctx } = deps;

  api.post(
    '/v1/faq/entries',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Add a FAQ entry (question, paraphrases, answer)', body: CreateEntryBody, response: { 201: EntryOut, ...errors(400, 401, 403, 409) } } },
    async (req, reply) => reply.code(201).send(presentEntry(await faq.createEntry(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/faq/entries',
    {
      config: { auth: read },
      schema: { tags, summary: 'List FAQ entries, oldest first, filtered by category, locale, state or text', querystring: z.strictObject({ ...pageQuery, ...ListEntriesQuery }), response: { 200: pageSchema(EntryOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string().max(64) }));
      const rows = await faq.listEntries(ctx(req), appIdOf(req), {
        limit: q.limit + 1,
        after: cur ? { at: new Date(cur.t), id: cur.id } : undefined,
        category: q.category,
        locale: q.locale,
        enabled: q.enabled === undefined ? undefined : q.enabled === 'true',
        text: q.q,
      });
      const p = page(rows, q.limit, (e) => ({ t: e.createdAt.toISOString(), id: e.id }));
      return { data: p.data.map(presentEntry), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/faq/entries/import',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Import entries by external key (creates new keys, updates changed ones; idempotent)',
        body: ImportBody,
        response: { 200: ImportOut, ...errors(400, 401, 403) },
      },
    },
    async (req) => faq.importEntries(ctx(req), appIdOf(req), req.body.entries),
  );

  api.get(
    '/v1/faq/entries/:entryId',
    { config: { auth: read }, schema: { tags, summary: 'Get a FAQ entry', params: EntryIdParams, response: { 200: EntryOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentEntry(await faq.getEntry(ctx(req), appIdOf(req), req.params.entryId)),
  );

  api.patch(
    '/v1/faq/entries/:entryId',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Change a FAQ entry (only the fields given)', params: EntryIdParams, body: UpdateEntryBody, response: { 200: EntryOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => presentEntry(await faq.updateEntry(ctx(req), appIdOf(req), req.params.entryId, req.body)),
  );

  api.delete(
    '/v1/faq/entries/:entryId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Delete a FAQ entry', params: EntryIdParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } } },
    async (req, reply) => {
      await faq.deleteEntry(ctx(req), appIdOf(req), req.params.entryId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/faq/search',
    {
      config: { auth: ask },
      schema: {
        tags,
        summary: 'Entries that answer a question, best first, with a confidence score 0…1 (Chinese and English)',
        description: 'The score is the IDF-weighted cosine of the question’s terms and the best-matching question or variant of the entry (Chinese as characters and character pairs, English as stemmed words): 1 is the same wording; hold it against a threshold (about 0.5 answers, 0.25–0.5 suggests).',
        querystring: SearchQuery,
        response: { 200: z.object({ data: z.array(HitOut) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      return { data: (await faq.search(ctx(req), appIdOf(req), q.q, { locale: q.locale, category: q.category, limit: q.limit })).map(presentHit) };
    },
  );

  api.post(
    '/v1/faq/answer',
    {
      config: { auth: ask, audit: { exempt: 'Answers a question; changes nothing' } },
      schema: {
        tags,
        summary: 'Answer a question from the FAQ: the top entry’s answer, or a generated one grounded in the retrieved entries',
        description: 'With generative answers on (PUT /v1/faq/settings), the retrieved entries and the question go to the configured chat endpoint, which is told to answer only from them; `sources` lists the entries it cited. On a timeout, an error or a non-2xx answer the top entry’s own answer is returned with `generated: false`. A generated answer is HTML-escaped (the user’s text steers it): display it as text.',
        body: AnswerBody,
        response: { 200: AnswerOut, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const b = req.body;
      const r = await faq.answer(ctx(req), appIdOf(req), b.q, { locale: b.locale, category: b.category, limit: b.limit });
      return { answer: r.generated ? escapeHtml(r.answer) : r.answer, sources: r.sources, generated: r.generated, hits: r.hits.map(presentHit) };
    },
  );

  api.get(
    '/v1/faq/settings',
    { config: { auth: read }, schema: { tags, summary: 'Generative-answer settings (the API key is never returned)', response: { 200: SettingsOut, ...errors(401, 403) } } },
    async (req) => faq.getSettings(ctx(req), appIdOf(req)),
  );

  api.put(
    '/v1/faq/settings',
    {
      config: { auth: { secret: true, operator: 'app.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Turn generative answers on or off and set the OpenAI-compatible chat endpoint, model, key and timeout',
        description: 'The endpoint must be a public address (private, loopback and metadata addresses are refused, now and at each connection). The key is stored sealed and never returned.',
        body: SettingsBody,
        response: { 200: SettingsOut, ...errors(400, 401, 403) },
      },
    },
    async (req) => faq.putSettings(ctx(req), appIdOf(req), req.body),
  );
}

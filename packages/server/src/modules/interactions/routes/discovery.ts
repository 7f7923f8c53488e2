// Discovery: hot lists, rankings (and, below, curated slots and recommendations).
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { decodeCursor, encodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import { prefersChinese } from '../../../http/messages.ts';
import type { Signal } from '../rules/recommend.ts';
import type { Recommendation } from '../service/recommend.ts';
import type { SlotView } from '../service/slots.ts';
import { DateString, Kind, Period, SlotBody, SlotItemsBody, SlotParams, SlotPatch, UserParams } from '../types.ts';
import { assertActsFor } from '../../../http/auth.ts';
import { IdCursor, presentSubject, ScoreCursor, SubjectOut, type Deps } from './common.ts';

const tags = ['Discovery'];
const HotCursor = z.object({ h: z.number(), id: z.number().int().positive() });
const HotPage = pageSchema(SubjectOut);
const serialisedHot = new WeakMap<object, Buffer>();
const SlotOut = z.object({ key: z.string(), title: z.string(), description: z.string().nullable(), created_at: z.string(), updated_at: z.string() }).meta({ id: 'CuratedSlot' });
const SlotItemOut = z.object({ position: z.number(), starts_at: z.string().nullable(), ends_at: z.string().nullable(), note: z.string().nullable(), subject: SubjectOut });
const SlotWithItems = SlotOut.extend({ items: z.array(SlotItemOut) });
const presentSlot = (s: SlotView['slot']) => ({ key: s.key, title: s.title, description: s.description, created_at: s.createdAt.toISOString(), updated_at: s.updatedAt.toISOString() });
const presentSlotView = (v: SlotView) => ({
  ...presentSlot(v.slot),
  items: v.items.map(({ item, view }) => ({ position: item.position, starts_at: item.startsAt?.toISOString() ?? null, ends_at: item.endsAt?.toISOString() ?? null, note: item.note, subject: presentSubject(view) })),
});

const ReasonOut = z.object({
  type: z.enum(['co_liked', 'tag', 'followed_author', 'liked_author', 'curated', 'hot']),
  text: z.string().describe('Why, in the caller\'s language (Accept-Language)'),
  subject: z.object({ kind: z.string(), id: z.string(), title: z.string().nullable() }).nullable().describe('The user\'s own subject the reason refers to'),
  tag: z.string().nullable(),
  author_id: z.string().nullable(),
  slot: z.string().nullable(),
});
const RecommendationOut = z.object({ subject: SubjectOut, score: z.number(), reason: ReasonOut }).meta({ id: 'Recommendation' });

function reasonText(r: Signal, seed: Recommendation['seed'], zh: boolean): string {
  const t = seed ? (seed.title ?? seed.externalId) : '';
  switch (r.type) {
    case 'co_liked':
      return zh ? `喜欢《${t}》的人也喜欢` : `People who liked "${t}" also liked this`;
    case 'tag':
      return zh ? `因为你喜欢《${t}》（#${r.tag}）` : `Because you liked "${t}" (#${r.tag})`;
    case 'followed_author':
      return zh ? `来自你关注的 ${r.authorId}` : `From ${r.authorId}, whom you follow`;
    case 'liked_author':
      return zh ? `《${t}》作者的更多作品` : `More from the author of "${t}"`;
    case 'curated':
      return zh ? `官方推荐：${r.slotTitle}` : `Recommended: ${r.slotTitle}`;
    case 'hot':
      return zh ? '当前热门' : 'Trending now';
  }
}

const presentRecommendation = (r: Recommendation, zh: boolean) => ({
  subject: presentSubject(r.view),
  score: r.score,
  reason: {
    type: r.reason.type,
    text: reasonText(r.reason, r.seed, zh),
    subject: r.seed ? { kind: r.seed.kind, id: r.seed.externalId, title: r.seed.title } : null,
    tag: r.reason.type === 'tag' ? r.reason.tag : null,
    author_id: r.reason.type === 'followed_author' || r.reason.type === 'liked_author' ? r.reason.authorId : null,
    slot: r.reason.type === 'curated' ? r.reason.slotKey : null,
  },
});

const OffsetCursor = z.object({ o: z.number().int().min(1).max(1000) });
const read = { secret: true, user: true, publishable: true, operator: 'app.read' } as const;

export function discoveryRoutes(api: Api, deps: Deps & { ctx: RequestCtx }): void {
  const { interactions: ix, ctx } = deps;

  api.get(
    '/v1/hot',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Hot list (热门) of a subject kind, with time decay',
        description:
          'score = log10(1 + Σ weight × count) + (published − 2024-01-01) / decay: a subject needs 10× the weighted engagement for every settings.hot.decay_hours of age to rank level with a newer one. ' +
          'Scores are refreshed incrementally shortly after each interaction (never by scanning all subjects) and read from an index.',
        querystring: z.strictObject({ ...pageQuery, kind: Kind }),
        response: { 200: HotPage, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const cur = decodeCursor(req.query.cursor, HotCursor);
      const views = await ix.discovery.hot(ctx(req), appIdOf(req), req.query.kind, { limit: req.query.limit + 1, after: cur });
      // The service hands out the same array while its short cache holds, so the answer is
      // validated, serialised and UTF-8 encoded once per cache fill, not once per request (titles
      // in Chinese made every send re-encode the whole two-byte string).
      let body = serialisedHot.get(views);
      if (body === undefined) {
        const p = page(views, req.query.limit, (v) => ({ h: v.row.hotScore!, id: v.row.id }));
        body = Buffer.from(JSON.stringify(HotPage.parse({ data: p.data.map(presentSubject), next_cursor: p.next_cursor })));
        serialisedHot.set(views, body);
      }
      return reply.type('application/json; charset=utf-8').send(body as never); // already serialised: a Buffer is sent as it is
    },
  );

  api.get(
    '/v1/rankings',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Rankings (排行榜, 每周必看) by day, ISO week, month or all time',
        description: 'Subjects ordered by their weighted interactions within the window (in the app\'s timezone) that contains `date` (default: today). Past windows stay available.',
        querystring: z.strictObject({ ...pageQuery, kind: Kind, period: Period.default('week'), date: DateString.optional() }),
        response: {
          200: pageSchema(SubjectOut.extend({ rank_score: z.number().describe('Weighted interactions in the window') })).extend({ period: Period, start: z.string(), end: z.string().describe('Exclusive') }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, ScoreCursor);
      const r = await ix.discovery.ranking(ctx(req), appIdOf(req), q.kind, q.period, q.date, { limit: q.limit + 1, after: cur });
      const p = page(r.items, q.limit, (i) => ({ s: i.score, id: i.view.row.id }));
      return { period: q.period, start: r.window.start, end: r.window.end, data: p.data.map((i) => ({ ...presentSubject(i.view), rank_score: i.score })), next_cursor: p.next_cursor };
    },
  );

  // ---- curated slots ----------------------------------------------------------------------

  const curate = { secret: true, operator: 'content.curate' } as const;

  api.get(
    '/v1/slots',
    {
      config: { auth: read },
      schema: { tags, summary: 'Curated slots (官方推荐, 入站必刷)', querystring: z.strictObject(pageQuery), response: { 200: pageSchema(SlotOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, IdCursor);
      const rows = await ix.slots.list(ctx(req), appIdOf(req), { limit: req.query.limit + 1, afterId: cur?.id });
      const p = page(rows, req.query.limit, (s) => ({ id: s.id }));
      return { data: p.data.map(presentSlot), next_cursor: p.next_cursor };
    },
  );

  api.post(
    '/v1/slots',
    { config: { auth: curate, audit: 'recorded' }, schema: { tags, summary: 'Create a curated slot (audited)', body: SlotBody, response: { 201: SlotWithItems, ...errors(400, 401, 403, 409) } } },
    async (req, reply) => reply.code(201).send(presentSlotView(await ix.slots.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/slots/:key',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'A curated slot and its subjects, in order',
        description: 'Only the items whose window contains the current time, unless all=true (secret key or operators).',
        params: SlotParams,
        querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
        response: { 200: SlotWithItems, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const p = req.principal;
      const all = req.query.all === 'true' && (p.kind === 'secret' || p.kind === 'operator');
      return presentSlotView(await ix.slots.get(ctx(req), appIdOf(req), req.params.key, all));
    },
  );

  api.patch(
    '/v1/slots/:key',
    { config: { auth: curate, audit: 'recorded' }, schema: { tags, summary: 'Rename or describe a slot (audited)', params: SlotParams, body: SlotPatch, response: { 200: SlotWithItems, ...errors(400, 401, 403, 404) } } },
    async (req) => presentSlotView(await ix.slots.update(ctx(req), appIdOf(req), req.params.key, req.body)),
  );

  api.put(
    '/v1/slots/:key/items',
    {
      config: { auth: curate, audit: 'recorded' },
      schema: {
        tags,
        summary: "Set a slot's ordered subjects with their start/end times (audited)",
        description: 'Replaces the whole list. Each subject must exist and appear once; ends_at must be after starts_at.',
        params: SlotParams,
        body: SlotItemsBody,
        response: { 200: SlotWithItems, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => presentSlotView(await ix.slots.setItems(ctx(req), appIdOf(req), req.params.key, req.body.items)),
  );

  api.delete(
    '/v1/slots/:key',
    { config: { auth: curate, audit: 'recorded' }, schema: { tags, summary: 'Delete a slot (audited)', params: SlotParams, response: { 204: z.null(), ...errors(400, 401, 403, 404) } } },
    async (req, reply) => {
      await ix.slots.remove(ctx(req), appIdOf(req), req.params.key);
      return reply.code(204).send(null);
    },
  );

  // ---- for you ----------------------------------------------------------------------------

  api.get(
    '/v1/users/:userId/recommendations',
    {
      config: { auth: { secret: true, user: true, operator: 'app.read' } },
      schema: {
        tags,
        summary: '"For you": subjects recommended from the user\'s own interactions, each with its reason',
        description:
          'Signals: tags of what the user liked or favourited, authors they follow or liked, and co-interaction (people who liked the same subjects). ' +
          'Curated slots and the hot list fill in, and are all a new user gets. Subjects the user already liked, favourited or follows, and their own, are left out. ' +
          `At most 200 items; the reason text follows Accept-Language.`,
        params: UserParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(50).default(20), cursor: pageQuery.cursor, kind: Kind.optional() }),
        response: { 200: pageSchema(RecommendationOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      assertActsFor(req, req.params.userId);
      const q = req.query;
      const offset = decodeCursor(q.cursor, OffsetCursor)?.o ?? 0;
      const r = await ix.recommendations.forYou(ctx(req), appIdOf(req), req.params.userId, { kind: q.kind, offset, limit: q.limit });
      const zh = prefersChinese(req.headers['accept-language']);
      const next = offset + q.limit < r.total ? encodeCursor({ o: offset + q.limit }) : null;
      return { data: r.items.map((i) => presentRecommendation(i, zh)), next_cursor: next };
    },
  );
}

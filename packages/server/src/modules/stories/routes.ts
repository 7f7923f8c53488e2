import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, iso, optionalBody, type Api, type RequestCtx } from '../../http/route.ts';
import type { EntryView, Stories, Viewer } from './service.ts';
import type { CampaignRow, WinnerRow } from './store.ts';
import { CampaignIdParams, CampaignOut, CreateCampaignBody, EntryIdParams, EntryOut, FeatureBody, ModerateBody, SubmitBody, UpdateCampaignBody, UserBody, WinnerOut, WinnersBody } from './types.ts';
import { userText } from '../../lib/text.ts';
import { userActivity } from '../../http/audit.ts';

const tags = ['Stories'];

const presentCampaign = (c: CampaignRow): z.infer<typeof CampaignOut> => ({
  id: c.id,
  kind: c.kind as 'story' | 'hashtag',
  title: c.title,
  description: c.description,
  hashtag: c.hashtag,
  source_event: c.sourceEvent,
  moderation: c.moderation as 'pre' | 'post',
  status: c.status as 'open' | 'closed',
  ends_at: iso(c.endsAt),
  created_at: c.createdAt.toISOString(),
});

const presentEntry = (v: EntryView): z.infer<typeof EntryOut> => {
  const e = v.entry;
  return {
    id: e.id,
    campaign_id: e.campaignId,
    user_id: e.userId,
    text: userText(e.text),
    image_urls: e.imageUrls,
    source: e.source as 'submission' | 'hashtag',
    source_ref: e.sourceRef,
    status: e.status as 'pending' | 'approved' | 'rejected',
    featured: e.featured,
    likes: e.likeCount,
    liked: v.liked,
    reject_reason: userText(e.rejectReason),
    created_at: e.createdAt.toISOString(),
  };
};

const presentWinner = (w: WinnerRow): z.infer<typeof WinnerOut> => ({ entry_id: w.entryId, user_id: w.userId, rank: w.rank, prize: w.prize, picked_by: w.pickedBy, awarded_at: w.awardedAt.toISOString() });

function viewerOf(req: FastifyRequest, userId?: string): Viewer {
  if (req.principal.kind === 'user') return { privileged: false, userId: actingUserId(req, userId, 'query.user_id') };
  return { privileged: true, userId: userId ?? null };
}

const read = { secret: true, user: true, operator: 'app.read' } as const;
const manage = { secret: true, operator: 'campaigns.manage' } as const;
const moderate = { secret: true, operator: 'content.moderate' } as const;
const UserPathParams = EntryIdParams.extend({ userId: externalId('userId') });

export function storiesRoutes(api: Api, deps: { stories: Stories; ctx: RequestCtx }): void {
  const { stories, ctx } = deps;

  api.post(
    '/v1/stories/campaigns',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: { tags, summary: 'Start a user-story collection (用户故事征集) or a hashtag campaign', body: CreateCampaignBody, response: { 201: CampaignOut, ...errors(400, 401, 403) } },
    },
    async (req, reply) => reply.code(201).send(presentCampaign(await stories.createCampaign(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/stories/campaigns',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'List campaigns, newest first',
        querystring: z.strictObject({ ...pageQuery, kind: z.enum(['story', 'hashtag']).optional(), status: z.enum(['open', 'closed']).optional() }),
        response: { 200: pageSchema(CampaignOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await stories.listCampaigns(ctx(req), appIdOf(req), { limit: q.limit + 1, kind: q.kind, status: q.status, before: cur ? { at: new Date(cur.t), id: cur.id } : undefined });
      const p = page(rows, q.limit, (c) => ({ t: c.createdAt.toISOString(), id: c.id }));
      return { data: p.data.map(presentCampaign), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/stories/campaigns/:campaignId',
    { config: { auth: read }, schema: { tags, summary: 'Get a campaign', params: CampaignIdParams, response: { 200: CampaignOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentCampaign(await stories.getCampaign(ctx(req), appIdOf(req), req.params.campaignId)),
  );

  api.patch(
    '/v1/stories/campaigns/:campaignId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Change a campaign: close it, change moderation or the end', params: CampaignIdParams, body: UpdateCampaignBody, response: { 200: CampaignOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentCampaign(await stories.updateCampaign(ctx(req), appIdOf(req), req.params.campaignId, req.body)),
  );

  api.post(
    '/v1/stories/campaigns/:campaignId/entries',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: {
        tags,
        summary: 'Submit a story with images (for a hashtag campaign: a post carrying the hashtag)',
        description: 'Hashtag campaigns also collect posts by themselves from ingested events named like the campaign’s source_event (properties.text/content with the hashtag, image_urls, post_id). With pre-moderation the entry waits for approval.',
        params: CampaignIdParams,
        body: SubmitBody,
        response: { 201: EntryOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const v = await stories.submit(ctx(req), appIdOf(req), req.params.campaignId, actingUserId(req, b.user_id), { text: b.text, imageUrls: b.image_urls, sourceRef: b.source_ref });
      return reply.code(201).send(presentEntry(v));
    },
  );

  api.get(
    '/v1/stories/campaigns/:campaignId/entries',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'The gallery (most liked or newest first; featured only if asked), or the moderation queue (status=pending)',
        description: 'A user token sees approved entries, or with mine=true its own entries in any status.',
        params: CampaignIdParams,
        querystring: z.strictObject({
          ...pageQuery,
          sort: z.enum(['likes', 'recent']).default('likes'),
          status: z.enum(['pending', 'approved', 'rejected']).optional(),
          featured: z.enum(['true', 'false']).optional(),
          mine: z.enum(['true', 'false']).optional(),
          user_id: externalId('user_id').optional().describe('With a secret key: mark what this user liked'),
        }),
        response: { 200: pageSchema(EntryOut), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const after = q.sort === 'likes' ? decodeCursor(q.cursor, z.object({ l: z.number().int(), id: z.string() })) : decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string() }));
      const rows = await stories.entries(
        ctx(req),
        appIdOf(req),
        req.params.campaignId,
        { limit: q.limit + 1, sort: q.sort, after, status: q.status, featured: q.featured === undefined ? undefined : q.featured === 'true', mine: q.mine === 'true' },
        viewerOf(req, q.user_id),
      );
      const p = page(rows, q.limit, (v) => (q.sort === 'likes' ? { l: v.entry.likeCount, id: v.entry.id } : { t: v.entry.createdAt.toISOString(), id: v.entry.id }));
      return { data: p.data.map(presentEntry), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/stories/entries/:entryId',
    { config: { auth: read }, schema: { tags, summary: 'Get an entry', params: EntryIdParams, querystring: z.strictObject({ user_id: externalId('user_id').optional() }), response: { 200: EntryOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentEntry(await stories.getEntry(ctx(req), appIdOf(req), req.params.entryId, viewerOf(req, req.query.user_id))),
  );

  api.post(
    '/v1/stories/entries/:entryId/moderation',
    { config: { auth: moderate, audit: 'recorded' }, schema: { tags, summary: 'Approve or reject an entry (the author is told)', params: EntryIdParams, body: ModerateBody, response: { 200: EntryOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentEntry(await stories.moderate(ctx(req), appIdOf(req), req.params.entryId, req.body.decision, req.body.reason)),
  );

  api.post(
    '/v1/stories/entries/:entryId/feature',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Feature an approved entry in the gallery, or unfeature it', params: EntryIdParams, body: FeatureBody, response: { 200: EntryOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => presentEntry(await stories.feature(ctx(req), appIdOf(req), req.params.entryId, req.body.featured)),
  );

  api.post(
    '/v1/stories/entries/:entryId/likes',
    {
      config: { auth: { secret: true, user: true }, audit: userActivity },
      schema: { tags, summary: 'Like an entry (once per user; repeating is a no-op)', params: EntryIdParams, body: optionalBody(UserBody), response: { 200: EntryOut.extend({ changed: z.boolean() }), ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => {
      const userId = actingUserId(req, req.body?.user_id);
      const r = await stories.like(ctx(req), appIdOf(req), req.params.entryId, userId, viewerOf(req, userId), true);
      return { ...presentEntry(r.view), changed: r.changed };
    },
  );

  api.delete(
    '/v1/stories/entries/:entryId/likes/:userId',
    { config: { auth: { secret: true, user: true }, audit: userActivity }, schema: { tags, summary: 'Take a like back', params: UserPathParams, response: { 200: EntryOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => {
      const userId = actingUserId(req, req.params.userId, 'params.userId');
      return presentEntry((await stories.like(ctx(req), appIdOf(req), req.params.entryId, userId, viewerOf(req, userId), false)).view);
    },
  );

  api.post(
    '/v1/stories/campaigns/:campaignId/winners',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Pick winners: by operator (entry ids) or by rule (top N by likes); each new winner’s prize goes out as an event',
        params: CampaignIdParams,
        body: WinnersBody,
        response: { 200: z.object({ added: z.array(WinnerOut) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const b = req.body;
      const added = await stories.pickWinners(ctx(req), appIdOf(req), req.params.campaignId, { prize: b.prize, entryIds: b.entry_ids, topLikes: b.top_likes });
      return { added: added.map(presentWinner) };
    },
  );

  api.get(
    '/v1/stories/campaigns/:campaignId/winners',
    { config: { auth: read }, schema: { tags, summary: 'Winners in rank order', params: CampaignIdParams, response: { 200: z.object({ data: z.array(WinnerOut) }), ...errors(400, 401, 403, 404) } } },
    async (req) => ({ data: (await stories.winners(ctx(req), appIdOf(req), req.params.campaignId)).map(presentWinner) }),
  );
}

// HTTP surface of segments: thin handlers over the service.
import { z } from 'zod';
import { appIdOf } from '../../http/auth.ts';
import { CsvOut, sendCsv } from '../../http/csv.ts';
import { readPath } from '../../lib/conditions.ts';
import type { CsvValue } from '../../lib/csv.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../http/route.ts';
import { rfmRoutes } from './rfm/routes.ts';
import type { Segments } from './service.ts';
import type { SegmentRow } from './store.ts';
import { MembersExportQuery, Rules, SegmentBody, SegmentPatch } from './types.ts';

const tags = ['Segments'];
const read = { secret: true, operator: 'analytics.read' } as const;
const write = { secret: true, operator: 'campaigns.manage' } as const;

const SegmentOut = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    rules: z.record(z.string(), z.unknown()).describe('As sent'),
    size: z.number().int().describe('Members now'),
    computed_at: z.string().nullable().describe('The last full computation (also run every 10 minutes)'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Segment' });

const present = (s: SegmentRow): z.infer<typeof SegmentOut> => ({
  id: s.id,
  name: s.name,
  description: s.description,
  rules: s.rules as unknown as Record<string, unknown>,
  size: s.size,
  computed_at: iso(s.computedAt),
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

const RULES_DOC =
  'Rules, in `all`/`any` groups up to 3 levels: `traits` (conditions on traits); `event_count` / `event_sum` (host events in the last `within_days`, with `min`/`max`); `points_balance` (`points_type`, `min`/`max`); `level` (gamification level: `equals`, or `min`/`max`); `badge` (`badge_id` or `badge_key`, `has`: true/false); `coupon` (`template_id`, `status` available/redeemed/expired/revoked, `has`); `lurker` (visited in the last `days` without interacting: the definition of GET /v1/analytics/lurkers, with `visit_events` / `interaction_events`); `churn_risk` (active days fell by `min_drop` against the user’s own baseline: the definition of GET /v1/analytics/churn-risk); `rfm_class`; `core_user`; `segment` (member of another segment or not). Badges, coupon templates and segments named must exist.';

const Params = z.strictObject({ segmentId: z.string().min(1).max(64) });

export function segmentsRoutes(api: Api, deps: { segments: Segments; ctx: RequestCtx }): void {
  const { segments, ctx } = deps;
  rfmRoutes(api, { rfm: segments.rfm, ctx });

  api.post(
    '/v1/segments',
    {
      config: { auth: write, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create a segment from rules; its members are computed at once',
        description:
          RULES_DOC + ' Members are identified users (POST /v1/users/{id}), kept current as the facts change (events, points, traits, level changes, badges, coupons of a named template) and by a full computation every 10 minutes (rolling windows, lurkers, churn risk, coupons passing their time). Entering and leaving emit `segment.entered` / `segment.left` once each.',
        body: SegmentBody,
        response: { 201: SegmentOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(present(await segments.create(ctx(req), appIdOf(req), req.body))),
  );

  api.post(
    '/v1/segments/preview',
    {
      config: { auth: read, audit: { exempt: 'Read-only: counts who rules would hold now and saves nothing' } },
      schema: {
        tags,
        summary: 'How many identified users rules would hold now (nothing is saved)',
        description: RULES_DOC,
        body: z.strictObject({ rules: Rules }),
        response: { 200: z.object({ count: z.number().int(), users: z.number().int().describe('Identified users evaluated'), sample: z.array(z.string()).describe('Up to 20 of them') }), ...errors(400, 401, 403) },
      },
    },
    async (req) => segments.preview(ctx(req), appIdOf(req), req.body.rules),
  );

  api.get(
    '/v1/segments',
    {
      config: { auth: read },
      schema: { tags, summary: 'List segments, newest first', querystring: z.strictObject({ ...pageQuery }), response: { 200: pageSchema(SegmentOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const before = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string().max(64) }));
      const rows = await segments.list(ctx(req), appIdOf(req), { limit: q.limit + 1, before });
      const p = page(rows, q.limit, (s) => ({ t: s.createdAt.toISOString(), id: s.id }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/segments/:segmentId',
    { config: { auth: read }, schema: { tags, summary: 'A segment with its size', params: Params, response: { 200: SegmentOut, ...errors(400, 401, 403, 404) } } },
    async (req) => present(await segments.get(ctx(req), appIdOf(req), req.params.segmentId)),
  );

  api.patch(
    '/v1/segments/:segmentId',
    {
      config: { auth: write, audit: 'recorded' },
      schema: { tags, summary: 'Rename or change the rules (members are recomputed)', params: Params, body: SegmentPatch, response: { 200: SegmentOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => present(await segments.update(ctx(req), appIdOf(req), req.params.segmentId, req.body)),
  );

  api.delete(
    '/v1/segments/:segmentId',
    {
      config: { auth: write, audit: 'recorded' },
      schema: { tags, summary: 'Delete a segment (refused while another segment names it)', params: Params, response: { 204: z.null(), ...errors(400, 401, 403, 404, 409) } },
    },
    async (req, reply) => {
      await segments.remove(ctx(req), appIdOf(req), req.params.segmentId);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/v1/segments/:segmentId/refresh',
    {
      config: { auth: write, audit: { exempt: 'Recomputes members from the saved rules; no definition changes' } },
      schema: { tags, summary: 'Recompute the members now', params: Params, response: { 200: SegmentOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => present(await segments.refresh(ctx(req), appIdOf(req), req.params.segmentId)),
  );

  api.get(
    '/v1/segments/:segmentId/members',
    {
      config: { auth: { secret: true, operator: 'users.read' } },
      schema: {
        tags,
        summary: 'Members by user id',
        params: Params,
        querystring: z.strictObject({ ...pageQuery }),
        response: { 200: pageSchema(z.object({ user_id: z.string(), entered_at: z.string() })), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const q = req.query;
      const after = decodeCursor(q.cursor, z.object({ u: z.string().max(255) }));
      const rows = await segments.members(ctx(req), appIdOf(req), req.params.segmentId, { limit: q.limit + 1, afterUserId: after?.u });
      const p = page(rows, q.limit, (m) => ({ u: m.userId }));
      return { data: p.data.map((m) => ({ user_id: m.userId, entered_at: m.enteredAt.toISOString() })), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/segments/:segmentId/members/export',
    {
      config: { auth: { secret: true, operator: 'users.read' } },
      schema: {
        tags,
        summary: 'Members as CSV, streamed (user id, entered_at, traits)',
        description:
          'Every member in user id order, read page by page as the response streams (an export of any size never sits whole in memory). Columns: `user_id` (the host’s own id), `entered_at`, then either `traits` (all traits as JSON) or, with `traits=plan,address.city`, one `trait.<path>` column each. `X-Total-Rows` gives the segment’s size when the export started, for progress. Cells a spreadsheet would run as a formula are prefixed with an apostrophe.',
        params: Params,
        querystring: MembersExportQuery,
        response: { 200: CsvOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const picked = req.query.traits;
      const { size, pages } = await segments.exportMembers(ctx(req), appIdOf(req), req.params.segmentId);
      const cell = (v: unknown): CsvValue => (v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean));
      async function* rows() {
        for await (const page of pages) {
          for (const m of page) {
            const traits = m.traits ?? {};
            yield [m.userId, m.enteredAt.toISOString(), ...(picked ? picked.map((p) => cell(readPath(traits, p))) : [m.traits === null ? null : JSON.stringify(traits)])];
          }
        }
      }
      return sendCsv(reply, { filename: `segment-${req.params.segmentId}-members.csv`, header: ['user_id', 'entered_at', ...(picked ? picked.map((p) => `trait.${p}`) : ['traits'])], rows: rows(), total: size });
    },
  );

  api.get(
    '/v1/segments/:segmentId/sizes',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Size per day (UTC), at each full computation',
        params: Params,
        querystring: z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) }),
        response: { 200: z.object({ data: z.array(z.object({ day: z.string(), size: z.number().int() })) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => ({ data: await segments.sizes(ctx(req), appIdOf(req), req.params.segmentId, req.query.days) }),
  );

  api.get(
    '/v1/users/:userId/segments',
    {
      config: { auth: { secret: true, operator: 'users.read' } },
      schema: {
        tags,
        summary: "The segments a user is in",
        params: z.strictObject({ userId: externalId('userId') }),
        response: { 200: z.object({ data: z.array(z.object({ segment_id: z.string(), entered_at: z.string() })) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => ({ data: (await segments.ofUser(ctx(req), appIdOf(req), req.params.userId)).map((s) => ({ segment_id: s.segmentId, entered_at: s.enteredAt.toISOString() })) }),
  );
}

// HTTP surface of RFM and core users: thin handlers over segments.rfm.
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { CsvOut, sendCsv } from '../../../http/csv.ts';
import { decodeCursor, encodeCursor, pageQuery } from '../../../http/pagination.ts';
import { errors, externalId, type Api, type RequestCtx } from '../../../http/route.ts';
import { RFM_CLASSES, RFM_CLASS_NAMES, type RfmClass } from '../rules/rfm.ts';
import type { Rfm } from './service.ts';
import type { CoreRow, RfmRow } from './store.ts';
import { CoreSettingsBody, RfmSettingsBody } from './types.ts';

const tags = ['Segments'];
const read = { secret: true, operator: 'analytics.read' } as const;
const write = { secret: true, operator: 'campaigns.manage' } as const;

const ClassName = z.enum(RFM_CLASS_NAMES as [RfmClass, ...RfmClass[]]);
const RfmSettingsOut = z.object({
  event: z.string(),
  amount_path: z.string(),
  window_days: z.number().int(),
  method: z.enum(['quantile', 'fixed']),
  quantile: z.number().nullable(),
  recency_days: z.number().nullable(),
  frequency: z.number().nullable(),
  monetary: z.number().nullable(),
});
const RfmSummaryOut = z.object({
  settings: RfmSettingsOut,
  computed_at: z.string().nullable(),
  buyers: z.number().int().describe('Users with a purchase in the window, classified'),
  thresholds: z.object({ recency_days: z.number().nullable(), frequency: z.number().nullable(), monetary: z.number().nullable() }).describe('What high means at the last computation (the quantiles or the fixed values)'),
  classes: z.array(
    z.object({
      class: ClassName,
      name: z.object({ 'zh-CN': z.string(), en: z.string() }),
      high: z.object({ r: z.boolean(), f: z.boolean(), m: z.boolean() }),
      users: z.number().int(),
      avg_recency_days: z.number().nullable(),
      avg_frequency: z.number().nullable(),
      avg_monetary: z.number().nullable(),
    }),
  ),
});
const RfmUserOut = z.object({
  user_id: z.string(),
  class: ClassName,
  recency_days: z.number(),
  frequency: z.number().int(),
  monetary: z.number(),
  r_score: z.number().int().describe('1-5, 5 = most recent'),
  f_score: z.number().int(),
  m_score: z.number().int(),
  computed_at: z.string(),
});
const presentRfm = (r: RfmRow): z.infer<typeof RfmUserOut> => ({
  user_id: r.userId,
  class: r.class as RfmClass,
  recency_days: r.recencyDays,
  frequency: r.frequency,
  monetary: r.monetary,
  r_score: r.rScore,
  f_score: r.fScore,
  m_score: r.mScore,
  computed_at: r.computedAt.toISOString(),
});

const CoreSettingsOut = z.object({
  window_days: z.number().int(),
  top_percent: z.number(),
  weights: z.object({ frequency: z.number(), duration: z.number(), spend: z.number() }),
  spend_event: z.string(),
  amount_path: z.string(),
});
const CoreUserOut = z.object({
  user_id: z.string(),
  rank: z.number().int(),
  core: z.boolean(),
  score: z.number().describe('0-1: the weighted mean of the percent ranks below'),
  active_days: z.number().int(),
  active_seconds: z.number().int().describe('Engaged time: half-hours with any event × 1,800'),
  spend: z.number(),
  computed_at: z.string(),
});
const presentCore = (r: CoreRow): z.infer<typeof CoreUserOut> => ({
  user_id: r.userId,
  rank: r.rank,
  core: r.core,
  score: r.score,
  active_days: r.activeDays,
  active_seconds: r.activeSeconds,
  spend: r.spend,
  computed_at: r.computedAt.toISOString(),
});

export function rfmRoutes(api: Api, deps: { rfm: Rfm; ctx: RequestCtx }): void {
  const { rfm, ctx } = deps;

  const summary = async (c: ReturnType<RequestCtx>, appId: string): Promise<z.infer<typeof RfmSummaryOut>> => {
    const s = await rfm.rfmSummary(c, appId);
    const by = new Map(s.distribution.map((d) => [d.class, d]));
    return {
      settings: s.settings,
      computed_at: s.run ? s.run.computedAt.toISOString() : null,
      buyers: s.run?.users ?? 0,
      thresholds: { recency_days: s.run?.recencyDays ?? null, frequency: s.run?.frequency ?? null, monetary: s.run?.monetary ?? null },
      classes: RFM_CLASS_NAMES.map((k) => {
        const d = by.get(k);
        const c = RFM_CLASSES[k];
        return { class: k, name: { 'zh-CN': c.zh, en: c.en }, high: { r: c.r, f: c.f, m: c.m }, users: d?.users ?? 0, avg_recency_days: d?.recency ?? null, avg_frequency: d?.frequency ?? null, avg_monetary: d?.monetary ?? null };
      }),
    };
  };

  api.get('/v1/segments/rfm', { config: { auth: read }, schema: { tags, summary: 'RFM: the eight classes (重要价值客户 …) with their users and averages', response: { 200: RfmSummaryOut, ...errors(401, 403, 409) } } }, async (req) => summary(ctx(req), appIdOf(req)));

  api.put(
    '/v1/segments/rfm/settings',
    {
      config: { auth: write, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Set up RFM (purchase event, amount, window, quantile or fixed thresholds) and compute it now',
        description: 'R is high for a recent last purchase, F for many purchases, M for a large total. Recomputed every hour; segments with an `rfm_class` rule follow.',
        body: RfmSettingsBody,
        response: { 200: RfmSummaryOut, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      await rfm.setRfmSettings(ctx(req), appIdOf(req), req.body);
      return summary(ctx(req), appIdOf(req));
    },
  );

  api.post(
    '/v1/segments/rfm/compute',
    { config: { auth: write, audit: { exempt: 'Recomputes from the saved settings; no definition changes' } }, schema: { tags, summary: 'Recompute RFM now', response: { 200: RfmSummaryOut, ...errors(401, 403, 409) } } },
    async (req) => {
      await rfm.computeRfm(appIdOf(req));
      return summary(ctx(req), appIdOf(req));
    },
  );

  api.get(
    '/v1/segments/rfm/users',
    {
      config: { auth: read },
      schema: { tags, summary: 'Buyers with their R, F, M figures, scores and class, by user id', querystring: z.strictObject({ class: ClassName.optional(), ...pageQuery }), response: { 200: z.object({ data: z.array(RfmUserOut), next_cursor: z.string().nullable() }), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ u: z.string().min(1).max(255) }));
      const rows = await rfm.rfmUsers(ctx(req), appIdOf(req), { class: q.class, limit: q.limit + 1, afterUserId: cur?.u });
      const data = rows.slice(0, q.limit);
      return { data: data.map(presentRfm), next_cursor: rows.length > q.limit ? encodeCursor({ u: data[data.length - 1]!.userId }) : null };
    },
  );

  api.get(
    '/v1/users/:userId/rfm',
    {
      config: { auth: read },
      schema: { tags, summary: "A user's R, F, M figures, scores (1-5) and class; null when they bought nothing in the window", params: z.strictObject({ userId: externalId('userId') }), response: { 200: z.object({ rfm: RfmUserOut.nullable() }), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const [r] = await rfm.rfmOf(ctx(req), appIdOf(req), [req.params.userId]);
      return { rfm: r ? presentRfm(r) : null };
    },
  );

  // ---- core users (the 2/8 rule) -----------------------------------------------------------------

  api.put(
    '/v1/segments/core/settings',
    {
      config: { auth: write, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Set up core users (weights of frequency, duration and spend; the top share) and compute them now',
        description: 'Each active user gets the percent rank of their active days, engaged time and spend among active users; the score is the weighted mean; the top `top_percent` % are core users. Recomputed every hour; segments with a `core_user` rule follow.',
        body: CoreSettingsBody,
        response: { 200: z.object({ settings: CoreSettingsOut, users: z.number().int(), core: z.number().int() }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const r = await rfm.setCoreSettings(ctx(req), appIdOf(req), req.body);
      return { settings: (await rfm.coreSummary(ctx(req), appIdOf(req))).settings, ...r };
    },
  );

  api.post(
    '/v1/segments/core/compute',
    {
      config: { auth: write, audit: { exempt: 'Recomputes from the saved settings; no definition changes' } },
      schema: { tags, summary: 'Recompute core users now', response: { 200: z.object({ settings: CoreSettingsOut, users: z.number().int(), core: z.number().int() }), ...errors(401, 403, 409) } },
    },
    async (req) => {
      const r = await rfm.computeCore(appIdOf(req));
      return { settings: (await rfm.coreSummary(ctx(req), appIdOf(req))).settings, ...r };
    },
  );

  const CoreQuery = z.strictObject({ core_only: z.enum(['true', 'false']).default('false').describe('true: only core users'), ...pageQuery });
  api.get(
    '/v1/segments/core/users',
    {
      config: { auth: read },
      schema: { tags, summary: 'Active users ranked by the core-user score (the top N = the seed users)', querystring: CoreQuery, response: { 200: z.object({ data: z.array(CoreUserOut), next_cursor: z.string().nullable() }), ...errors(400, 401, 403, 409) } },
    },
    async (req) => {
      const q = req.query;
      await rfm.coreSummary(ctx(req), appIdOf(req));
      const cur = decodeCursor(q.cursor, z.object({ r: z.number().int().min(0) }));
      const rows = await rfm.coreRanking(ctx(req), appIdOf(req), { onlyCore: q.core_only === 'true', limit: q.limit + 1, afterRank: cur?.r });
      const data = rows.slice(0, q.limit);
      return { data: data.map(presentCore), next_cursor: rows.length > q.limit ? encodeCursor({ r: data[data.length - 1]!.rank }) : null };
    },
  );

  api.get(
    '/v1/segments/core/users/export',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'The top N users by the core-user score as CSV (e.g. the 100 seed users)',
        querystring: z.strictObject({ top: z.coerce.number().int().min(1).max(1_000_000).default(100).describe('How many, from rank 1') }),
        response: { 200: CsvOut, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      await rfm.coreSummary(ctx(req), appIdOf(req));
      const rows = await rfm.coreRanking(ctx(req), appIdOf(req), { onlyCore: false, limit: req.query.top });
      return sendCsv(reply, {
        filename: 'core-users.csv',
        header: ['rank', 'user_id', 'core', 'score', 'active_days', 'active_seconds', 'spend'],
        rows: rows.map((r) => [r.rank, r.userId, r.core, r.score, r.activeDays, r.activeSeconds, r.spend]),
        total: rows.length,
      });
    },
  );
}

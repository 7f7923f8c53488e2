// buildApp(deps): wires modules, registers routes, the error handler and the API docs. It never
// listens on a port (main.ts does), so tests drive it in-process with app.inject().
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from './config.ts';
import type { Ctx } from './context.ts';
import { createPool, endPool, isConnectionLoss, type Database } from './db/index.ts';
import { wireErasure, type Erasure } from './erasure.ts';
import type { EventBus } from './events.ts';
import { createEventLog } from './events/index.ts';
import { eventRunnerConnections, eventShardsAtOnce } from './event-pools.ts';
import { eventLogModule } from './events/routes.ts';
import { registerAuditCheck } from './http/audit.ts';
import { actorOf, createAuthHook, type Principal } from './http/auth.ts';
import { AppError, isAppError, validationError, zhMessageOf, type FieldIssue } from './http/errors.ts';
import { purgeIdempotencyKeys, registerIdempotency } from './http/idempotency.ts';
import { prefersChinese } from './http/messages.ts';
import { openapiOptions } from './http/openapi.ts';
import { createPgLimiter, createRedisLimiter, type RateLimiter } from './http/rate-limit.ts';
import { registerConsole } from './http/console.ts';
import { lazyChildLogger } from './http/request-logger.ts';
import { createOutageLog } from './http/outage-log.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { registerCors } from './http/cors.ts';
import { errors, type Api } from './http/route.ts';
import { validatorCompiler } from './http/validation.ts';
import type { Jobs } from './jobs.ts';
import type { Module } from './module.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { secretBoxFor } from './lib/secrets.ts';
import { createNetGuard } from './lib/net-guard.ts';
import { analyticsModule, createAnalytics } from './modules/analytics/index.ts';
import { createAudit, auditModule } from './modules/audit/index.ts';
import type { SegmentGate } from './lib/segment-gate.ts';
import { createAutomation, automationModule } from './modules/automation/index.ts';
import { createCampaigns, campaignsModule } from './modules/campaigns/index.ts';
import { createCommunities, communitiesModule } from './modules/communities/index.ts';
import { createCoupons, couponsModule } from './modules/coupons/index.ts';
import { createEvents, eventsModule } from './modules/events/index.ts';
import { createGamification, wireGamification, gamificationModule } from './modules/gamification/index.ts';
import { createPoints, wirePoints, pointsModule } from './modules/points/index.ts';
import { createFaq, faqModule } from './modules/faq/index.ts';
import { createService, serviceModule } from './modules/service/index.ts';
import { createFeedback, feedbackModule } from './modules/feedback/index.ts';
import { createPolls, pollsModule } from './modules/polls/index.ts';
import { createSegments, segmentsModule } from './modules/segments/index.ts';
import { createExperiments, createGoals, experimentsModule, measureWithAnalytics } from './modules/experiments/index.ts';
import { createStories, storiesModule } from './modules/stories/index.ts';
import { createSurveys, surveysModule } from './modules/surveys/index.ts';
import { createInteractions, interactionsModule } from './modules/interactions/index.ts';
import { createLive, liveModule } from './modules/live/index.ts';
import { createMessaging, messagingModule } from './modules/messaging/index.ts';
import { createTenancy, tenancyModule } from './modules/tenancy/index.ts';
import { createUsers, usersModule } from './modules/users/index.ts';
import { createWebhooks, wireWebhooks, webhooksModule } from './modules/webhooks/index.ts';
import { createHub, createRealtime, postgresTransport, preferTransport, realtimeModule, redisTransport } from './realtime/index.ts';
import { VERSION } from './version.ts';

export type AppDeps = {
  config: Config;
  /** With `url`, the event log's consumers get a small pool of their own (see buildApp). */
  database: Pick<Database, 'db' | 'pool'> & { url?: string };
  clock?: Clock;
  /** pino options or false; tests pass false. */
  logger?: boolean | { level: string };
  /** When given, the app registers its maintenance jobs on it (the caller starts it). */
  jobs?: Jobs | null;
  /**
   * Tests: an operator or secret-key mutation that should have left an audit entry and did not
   * answers 500 instead of getting a fallback entry (http/audit.ts).
   */
  strictAudit?: boolean;
};

export type Services = ReturnType<typeof createServices>;

function createServices(deps: AppDeps, bus: EventBus, log: FastifyInstance['log'], limiter: RateLimiter, redis: Redis | null) {
  const clock = deps.clock ?? systemClock;
  const { db, pool } = deps.database;
  const audit = createAudit();
  const secrets = secretBoxFor(deps.config.secretKey, deps.config.secretKeyPrevious);
  const tenancy = createTenancy({ db, pool, audit, bus, clock, log, secrets, userTokenMaxTtl: deps.config.userTokenMaxTtl, openAppCreation: deps.config.openAppCreation });
  const users = createUsers({ audit, bus });
  const events = createEvents({ pool, db, bus, log, ...deps.config.events });
  // One SSRF guard for every outbound connection a tenant chooses (webhooks, SMTP relays).
  const netGuard = createNetGuard({ allow: deps.config.webhookAllowPrivate });
  const webhooks = createWebhooks({ db, pool, clock, audit, log, secrets, guard: netGuard });
  wireWebhooks(webhooks, bus);
  // Features inside an A/B test ask it for each user's arm (points, messaging, automation, campaigns → experiments).
  const experiments = createExperiments({ db, bus, clock, audit });
  const points = createPoints({ audit, bus, clock, log, experiments });
  wirePoints(points, { bus });
  // Features restricted to a segment (coupons, lotteries, campaigns, workflow branches) ask it at
  // run time; segments is made further down because its rules read those modules.
  const segmentGate: SegmentGate = {
    exists: (ctx, appId, id) => segments.exists(ctx, appId, id),
    isMember: (ctx, appId, id, userId) => segments.isMember(ctx, appId, id, userId),
  };
  const gamification = createGamification({ db, bus, clock, audit, points, users, log, segments: segmentGate });
  wireGamification(gamification, { bus, points, ctx: () => ({ db, actor: { type: 'system', id: null } }) });
  const polls = createPolls({ db, bus, clock, audit });
  // Realtime fan-out across servers: Redis pub/sub when configured, else PostgreSQL LISTEN/NOTIFY.
  const hub = createHub({ transport: deps.config.redisUrl ? preferTransport(redisTransport(deps.config.redisUrl), postgresTransport(pool), log) : postgresTransport(pool), log });
  const realtime = createRealtime({ hub, log });
  const interactions = createInteractions({ db, pool, audit, bus, clock, log, points, realtime });
  // One sensitive-word filter (interactions' settings) for every text end users write.
  const screen = (ctx: Ctx, appId: string, items: { text: string; field: string }[]) => interactions.settings.screenAll(ctx, appId, items);
  const stories = createStories({ db, bus, clock, audit, screen });
  const messaging = createMessaging({ db, audit, bus, clock, users, realtime, webhooks, secrets, jobs: deps.jobs ?? null, log, experiments, publicUrl: deps.config.publicUrl, smtp: { guard: netGuard, requireTls: deps.config.smtpRequireTls } });
  // Coupons and analytics are made before segments, whose rules read them.
  const coupons = createCoupons({ db, clock, bus, webhooks, audit, log, segments: segmentGate });
  // Metrics read the raw events; engagement keeps its own copy of capability domain events.
  const analytics = createAnalytics({ db, bus, clock, audit, segmentMembers: (ctx, appId, id) => segments.memberIdsSql(ctx, appId, id) });
  // Segments read events, points, users, levels, badges, coupons and analytics' activity through
  // their public services (segments → events, points, users; the rest as functions wired here, so
  // gamification, coupons or analytics may later read segments without a module cycle).
  const segments = createSegments({
    db,
    bus,
    clock,
    audit,
    users,
    events,
    points,
    gamification: {
      levelsOf: (ctx, appId, ids) => gamification.levels.ofUsers(ctx, appId, ids),
      badgesOf: (ctx, appId, ids) => gamification.achievements.badgesOfUsers(ctx, appId, ids),
      badgeExists: async (ctx, appId, ref) => (await gamification.achievements.findBadge(ctx, appId, ref)) !== undefined,
    },
    coupons: { statusesOf: (ctx, appId, ids, templates) => coupons.statusesOf(ctx, appId, ids, templates), templateExists: (ctx, appId, id) => coupons.hasTemplate(ctx, appId, id) },
    activity: { lurkersAmong: (ctx, appId, ids, q) => analytics.lurkersAmong(ctx, appId, ids, q), churnRiskAmong: (ctx, appId, ids, q) => analytics.churnRiskAmong(ctx, appId, ids, q) },
  });
  // Sends to `{ audience: { segment } }` page through the segment's members (messaging → segments, at run time).
  messaging.setAudienceResolver({
    exists: (ctx, appId, segment) => segments.exists(ctx, appId, segment),
    page: async (ctx, appId, q) => (await segments.members(ctx, appId, q.segment, { limit: q.limit, afterUserId: q.afterUserId })).map((m) => m.userId),
  });
  // Surveys offered take from messaging's contact budget (surveys → messaging, never the reverse).
  const surveys = createSurveys({ db, bus, clock, audit, users, budget: messaging, screen, segments });
  const feedback = createFeedback({ db, bus, clock, audit, surveyStats: surveys.operatorStats, serviceStats: (ctx, appId, from, to) => service.agentStats(ctx, appId, from, to), screen, isMember: async (appId, operatorId) => (await tenancy.roleOf(appId, operatorId)) !== null });
  const live = createLive({ db, audit, bus, clock, realtime, limiter, moderation: interactions.settings, polls, lotteries: gamification.lottery, log });
  // Referral rewards are credited through points and coupons (campaigns → points, coupons, users).
  const campaigns = createCampaigns({ db, pool, clock, bus, webhooks, audit, log, redis, hub, soldOutMemoryMs: deps.config.flashSaleSoldOutMs, points, coupons, users, experiments, segments, conversions: (ctx, appId, participants, q) => analytics.attributedConversions(ctx, appId, participants, q) });
  // Workflows act through the modules above (automation → points, coupons, messaging, gamification, users, webhooks).
  const automation = createAutomation({ db, bus, clock, audit, log, points, coupons, messaging, gamification, users, webhooks, hub, experiments, segments });
  // Groups welcome and follow up through messaging's sends, with names from users (communities → messaging, users).
  // Replies to group posts are interactions comments on reserved subjects (communities → interactions).
  const communities = createCommunities({ db, bus, clock, audit, users, messaging, screen, realtime, limiter, comments: interactions.owned, segments: { exists: (ctx, appId, id) => segments.exists(ctx, appId, id), members: (ctx, appId, id, q) => segments.members(ctx, appId, id, q) } });
  // The FAQ knowledge base; its generative endpoint is an outbound connection like a webhook's.
  const faq = createFaq({ clock, audit, secrets, guard: netGuard });
  // Customer service: the FAQ bot first, then agents (service → faq); its CSAT feeds feedback's workload view.
  const service = createService({ db, bus, clock, audit, faq, realtime, screen, limiter });
  // Goals are measured through the analytics service (experiments → analytics).
  const goals = createGoals({ clock, audit, measure: measureWithAnalytics(analytics) });
  return { analytics, communities, faq, service, audit, tenancy, users, events, webhooks, interactions, points, gamification, polls, feedback, surveys, segments, experiments, goals, stories, realtime, messaging, live, campaigns, coupons, automation, bus, clock };
}

/** Every module the server is made of, in start order (they stop in reverse). */
export function modulesOf(s: Services, deps: { config: Config; limiter: RateLimiter; db: Database['db'] }): Module[] {
  return [
    tenancyModule(s.tenancy, { limiter: deps.limiter, db: deps.db }),
    auditModule(s.audit),
    realtimeModule(s.realtime, { tenancy: s.tenancy, heartbeatMs: deps.config.realtimeHeartbeatMs }),
    usersModule(s.users),
    eventsModule(s.events, { bodyLimit: deps.config.bodyLimit }),
    eventLogModule(s.bus, { audit: s.audit, now: () => s.clock.now() }),
    webhooksModule(s.webhooks),
    pointsModule(s.points),
    gamificationModule(s.gamification),
    pollsModule(s.polls),
    interactionsModule(s.interactions),
    storiesModule(s.stories),
    messagingModule(s.messaging),
    segmentsModule(s.segments),
    experimentsModule(s.experiments, s.goals),
    surveysModule(s.surveys),
    feedbackModule(s.feedback),
    liveModule(s.live),
    couponsModule(s.coupons),
    campaignsModule(s.campaigns),
    automationModule(s.automation),
    analyticsModule(s.analytics),
    communitiesModule(s.communities),
    faqModule(s.faq),
    serviceModule(s.service, { now: () => s.clock.now() }),
  ];
}

/** Every module's erasure contract by module name, the prefix of its erasure consumers' names. */
export function erasures(modules: Module[]): Record<string, Erasure> {
  return Object.fromEntries(modules.flatMap((m) => (m.erasure ? [[m.name, m.erasure] as const] : [])));
}

export { eventShardsAtOnce, eventRunnerConnections } from './event-pools.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; services: Services; modules: Module[]; systemCtx: (actor?: Ctx['actor']) => Ctx }> {
  const { config } = deps;
  // Database-outage errors are condensed to two lines per 10 s (http/outage-log.ts).
  const outageLog = createOutageLog();
  const app = Fastify({
    logger: deps.logger === false ? false : { level: typeof deps.logger === 'object' ? deps.logger.level : config.logLevel, hooks: { logMethod: outageLog.logMethod } },
    bodyLimit: config.bodyLimit,
    // req.ip is the client behind trusted proxies (X-Forwarded-For), else the socket address.
    trustProxy: config.trustProxy,
    disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace',
    // Each request's child logger is made the first time the request logs (http/request-logger.ts).
    childLoggerFactory: lazyChildLogger,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false } },
    // Host ids (users, subjects) may be 255 characters; Fastify's default would 404 past 100.
    routerOptions: { maxParamLength: 1024 },
    // Undecodable URLs and similar router errors bypass setErrorHandler; answer them in our shape.
    frameworkErrors: (err, req, res) => {
      const reply = res as unknown as FastifyReply;
      void reply
        .code(400)
        .header('x-request-id', req.id)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ error: { code: 'bad_request', message: prefersChinese(req.headers['accept-language']) ? zhMessageOf('bad_request') : `Malformed request: ${err.message}`, details: { reason: (err as FastifyError).code ?? null } } }));
    },
  }).withTypeProvider<ZodTypeProvider>();
  outageLog.summaryTo(app.log);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // One Redis connection (when REDIS_URL is set) for the rate limiter and the flash-sale gate.
  let redis: Redis | null = null;
  if (config.redisUrl) {
    // Loaded only when configured: most servers run without Redis and skip its start-up cost.
    const { Redis } = await import('ioredis');
    // Auto-pipelining: commands issued in the same tick (rate limits, flash-sale gate) share one socket write.
    redis = new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 1000, enableAutoPipelining: true });
    redis.on('error', () => {}); // users of it log and fall back; avoid unhandled 'error' events
  }
  // The durable domain event log: every module appends in its transactions and consumes with
  // checkpoints. Consumers hold a transaction while they handle a batch; on a pool of their own they
  // can never take the connections that requests (or their own handlers) wait for.
  const runnerPool = deps.database.url ? createPool(deps.database.url, { max: eventRunnerConnections(config.workers), log: (line) => app.log.warn(line) }) : null;
  const bus = createEventLog({ db: runnerPool ? drizzle({ client: runnerPool }) : deps.database.db, log: app.log, retentionDays: config.eventRetentionDays, parallel: eventShardsAtOnce(config.workers) });
  const { db } = deps.database;
  // Rate limits hold across servers: counters in PostgreSQL, or in Redis when configured (with
  // PostgreSQL's answering while Redis is down).
  const pgLimiter = createPgLimiter(db, app.log);
  const limiter: RateLimiter = redis ? createRedisLimiter(redis, app.log, pgLimiter) : pgLimiter;
  const services = createServices(deps, bus, app.log, limiter, redis);
  const modules = modulesOf(services, { config, limiter, db });
  // Erasure reaches every module through its contract: one consumer per module and event, named
  // `<module>.erase_app` / `<module>.erase_user` (their checkpoints). Tenancy deletes its own rows
  // (keys, members, settings) in the DELETE's transaction.
  wireErasure(bus, erasures(modules));

  const ctx = (req: { principal: Parameters<typeof actorOf>[0]; id: string; ip: string; auditTrail: Ctx['trail'] | null }): Ctx => ({ db, actor: actorOf(req.principal), requestId: req.id, ip: req.ip, trail: req.auditTrail ?? undefined });
  const systemCtx = (actor: Ctx['actor'] = { type: 'system', id: null }): Ctx => ({ db, actor });

  // ---- errors ---------------------------------------------------------------------------------
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let e: AppError;
    if (isAppError(err)) e = err;
    else if (err.validation) {
      const issues: FieldIssue[] = err.validation.map((v) => ({ field: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`, code: v.keyword, message: v.message ?? 'invalid' }));
      e = validationError(issues);
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new AppError('payload_too_large', `The request body exceeds the limit of ${config.bodyLimit} bytes`, { limit_bytes: config.bodyLimit });
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') e = new AppError('unsupported_media_type', `Content-Type ${String(req.headers['content-type'] ?? '(none)')} is not supported; send application/json`);
    else if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') e = new AppError('invalid_json', 'The body is empty but Content-Type is application/json; send a JSON body or omit the header');
    else if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') e = new AppError('invalid_json', `The body is not valid JSON: ${err.message}`);
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) e = new AppError('bad_request', err.message, { reason: err.code ?? null });
    else if (isConnectionLoss(err) || isConnectionLoss((err as { cause?: unknown }).cause)) {
      // PostgreSQL restarting, failing over or unreachable: a moment's outage, not a fault of the
      // request. Logged once here (the outage hook condenses the many alike).
      req.log.warn({ err }, 'database unreachable');
      e = new AppError('unavailable', 'The database is unreachable for the moment; retry shortly', { reason: 'database_unreachable' }, { retryAfter: 1 });
    } else {
      req.log.error({ err }, 'unhandled error');
      e = new AppError('internal', 'Internal server error; the request id identifies it in the logs', { request_id: req.id });
    }
    if (e.status >= 500 && e.code !== 'internal' && e.details?.reason !== 'database_unreachable') req.log.warn({ code: e.code }, e.message);
    if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
    const message = prefersChinese(req.headers['accept-language']) ? zhMessageOf(e.code) : e.message;
    // Errors from hooks that run before the route's serializer: send raw JSON.
    return reply
      .code(e.status)
      .type('application/json; charset=utf-8')
      .serializer(JSON.stringify)
      .send({ error: { code: e.code, message, details: e.details ?? null } });
  });

  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .serializer(JSON.stringify)
      .send({ error: { code: 'not_found', message: prefersChinese(req.headers['accept-language']) ? zhMessageOf('not_found') : `No route ${req.method} ${req.url.split('?')[0]}`, details: null } }),
  );

  registerSecurityHeaders(app); // and x-request-id
  // Before authentication: a preflight carries no credentials and is answered here.
  registerCors(app, services.tenancy, (req) => {
    const p = req.principal as Principal | null;
    return p && p.kind !== 'anonymous' ? p.appId : null;
  });
  const authHook = createAuthHook({ tenancy: services.tenancy, limiter, rateLimit: config.rateLimit, authFailuresPerIp: config.authFailuresPerIp });
  app.decorateRequest('principal', null as never);
  // Callback style: with every credential cached, a request passes authentication without a promise.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.is404) return done();
    const url = req.routeOptions.url ?? '';
    // Docs and health are public; every /v1 route must declare a policy (see http/auth.ts).
    if (!url.startsWith('/v1/')) {
      req.principal = { kind: 'anonymous' };
      return done();
    }
    let pending: Promise<void> | undefined;
    try {
      pending = authHook(req, reply);
    } catch (err) {
      return done(err as Error);
    }
    if (pending) pending.then(() => done(), done);
    else done();
  });
  // Before idempotency's onSend, so a response stored for replay has passed the check.
  registerAuditCheck(app, { audit: services.audit, ctx, strict: deps.strictAudit ?? false });
  registerIdempotency(app, db);

  // ---- API docs -------------------------------------------------------------------------------
  await app.register(swagger, openapiOptions());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, persistAuthorization: true } });
  // ---- Operator console (packages/console, built into packages/console/dist) -----------------
  await registerConsole(app);

  const api = app as unknown as Api;
  api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  api.get('/', { schema: { hide: true } }, async () => ({ name: 'Canyu', version: VERSION, docs: '/docs', console: '/console/', openapi: '/openapi.json', health: '/health' }));

  api.get(
    '/health',
    {
      schema: {
        tags: ['System'],
        summary: 'Server and database health',
        response: {
          200: z.object({ status: z.enum(['ok', 'degraded']), version: z.string(), uptime_s: z.number(), database: z.object({ ok: z.boolean(), latency_ms: z.number().nullable(), error: z.string().nullable() }), events: z.object({ queued: z.number(), in_flight: z.number(), buffer_max: z.number() }) }),
          503: z.object({ status: z.enum(['ok', 'degraded']), version: z.string(), uptime_s: z.number(), database: z.object({ ok: z.boolean(), latency_ms: z.number().nullable(), error: z.string().nullable() }), events: z.object({ queued: z.number(), in_flight: z.number(), buffer_max: z.number() }) }),
          ...errors(),
        },
      },
    },
    async (_req, reply) => {
      const t0 = performance.now();
      let dbOk = true;
      let dbError: string | null = null;
      try {
        await Promise.race([deps.database.pool.query('select 1'), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 2s')), 2000).unref())]);
      } catch (err) {
        dbOk = false;
        dbError = (err as Error).message;
      }
      const s = services.events.stats();
      return reply.code(dbOk ? 200 : 503).send({
        status: dbOk ? 'ok' : 'degraded',
        version: VERSION,
        uptime_s: Math.round(process.uptime()),
        database: { ok: dbOk, latency_ms: dbOk ? Math.round((performance.now() - t0) * 100) / 100 : null, error: dbError },
        events: { queued: s.queued, in_flight: s.inFlight, buffer_max: s.bufferMax },
      });
    },
  );

  // ---- modules: routes, jobs, start and stop, in one loop ----------------------------------------
  const host = { ctx, systemCtx: () => systemCtx() };
  for (const m of modules) if (!m.websocket) m.routes?.(api, host);
  // WebSocket routes in a context of their own: @fastify/websocket adds hooks to every request of
  // its context. An Upgrade request elsewhere is refused in http/security-headers.ts.
  await app.register(async (ws) => {
    await ws.register(websocket, { options: { maxPayload: 64 * 1024 } });
    for (const m of modules) if (m.websocket) m.routes?.(ws as unknown as Api, host);
  });
  if (deps.jobs) {
    deps.jobs.define('canyu.idempotency.purge', async () => {
      await purgeIdempotencyKeys(db);
    });
    deps.jobs.schedule('canyu.idempotency.purge', '17 * * * *');
    for (const m of modules) m.jobs?.(deps.jobs, host);
  }
  app.addHook('onReady', async () => {
    // Each module's start is its own (LISTEN connections, re-sealing its secrets, reconciling a
    // flash sale): started together, they no longer add up their round trips. All of them finish
    // before a failure is reported, so a shutdown never races a start still under way.
    const started = await Promise.allSettled(modules.map((m) => m.start?.()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Consumers registered by every module above: start reading the log.
    await bus.start();
  });
  app.addHook('onClose', async () => {
    // Order matters: stop taking events and store every acknowledged one, stop the consumers, then the modules.
    for (const m of modules) await m.drain?.();
    await bus.stop();
    if (runnerPool) await endPool(runnerPool);
    for (const m of [...modules].reverse()) await m.stop?.();
    await limiter.close();
  });

  return { app, services, modules, systemCtx };
}

// The OpenAPI document (/openapi.json): what client generators, docs tools and the SDK read. It
// is built from the routes' zod schemas by @fastify/swagger; this file adds what the schemas cannot
// say, in one place:
//   - security per operation from the route's `config.auth` (`security: []` on public ones);
//   - `x-canyu-audit` from `config.audit` (http/audit.ts);
//   - a stable `operationId` for every operation, derived from method + path (see operationIdOf)
//     with explicit names where the derived one reads poorly (OPERATION_IDS);
//   - `tags` with descriptions (TAG_DESCRIPTIONS);
//   - `servers`, `info.license`, and only the components some operation uses.
// The committed copy (openapi.json at the repository root, `npm run generate:api`) must equal the
// served one and lint clean under Redocly's recommended rules (http/openapi.test.ts).
import path from 'node:path';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { VERSION } from '../version.ts';
import type { AuditPolicy } from './audit.ts';
import type { AuthPolicy } from './auth.ts';

/** The committed copy of the document (`npm run generate:api` writes it). */
export const OPENAPI_FILE = path.resolve(import.meta.dirname, '../../../..', 'openapi.json');

/** The committed form of the document: two-space JSON with a final newline. */
export const formatDocument = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

/**
 * Names that read better than the derived ones (see operationIdOf), keyed by "METHOD /path". A key
 * that matches no operation fails the document build, so a renamed route cannot leave a stale name.
 * Once published, an operationId never changes: SDK method names and docs links depend on it.
 */
export const OPERATION_IDS: Record<string, string> = {
  'GET /health': 'system.health',
  'GET /v1/realtime': 'realtime.connect',
  'GET /v1/realtime/sse': 'realtime.stream',
  'POST /v1/auth/login': 'auth.login',
  'POST /v1/auth/logout': 'auth.logout',
  'GET /v1/auth/me': 'auth.me',
  'POST /v1/auth/password': 'auth.changePassword',
  'GET /v1/me': 'me.get',
  'POST /v1/events': 'events.track',
  'POST /v1/users/{userId}': 'users.upsert',
  'POST /v1/users/{userId}/tokens': 'users.tokens.create',
  'PUT /v1/points/types/{type}': 'points.types.upsert',
  'PUT /v1/subjects/{kind}/{subjectId}': 'subjects.upsert',
  'PUT /v1/users/{userId}/following/{targetId}': 'users.follow',
  'DELETE /v1/users/{userId}/following/{targetId}': 'users.unfollow',
  'POST /v1/users/{userId}/badges/{id}': 'users.badges.award',
  'POST /v1/users/{userId}/lotteries/{id}/draws': 'lotteries.draw',
  'GET /v1/lotteries/{id}/odds': 'lotteries.odds',
  'POST /v1/users/{userId}/tasks/{id}/claim': 'users.tasks.claim',
  'POST /v1/users/{userId}/checkins': 'users.checkins.checkIn',
  'POST /v1/users/{userId}/checkins/makeup': 'users.checkins.makeUp',
  'POST /v1/users/{userId}/daily-reward': 'users.dailyReward.claim',
  'POST /v1/users/{userId}/orders': 'users.orders.create',
  'POST /v1/subjects/{kind}/{subjectId}/shares': 'subjects.share',
  'POST /v1/subjects/{kind}/{subjectId}/triple': 'subjects.triple',
  'PUT /v1/slots/{key}/items': 'slots.items.set',
  'PUT /v1/flash-sale/items/{itemId}/stock': 'flashSale.items.setStock',
  'POST /v1/flash-sale/items/{itemId}/attempts': 'flashSale.items.attempt',
  'POST /v1/flash-sale/sessions/{sessionId}/tokens': 'flashSale.sessions.tokens.create',
  'POST /v1/feedback/posts/{postId}/status': 'feedback.posts.setStatus',
  'POST /v1/feedback/posts/{postId}/response': 'feedback.posts.respond',
  'POST /v1/feedback/posts/{postId}/votes': 'feedback.posts.vote',
  'DELETE /v1/feedback/posts/{postId}/votes/{userId}': 'feedback.posts.unvote',
  'POST /v1/feedback/posts/{postId}/followers': 'feedback.posts.follow',
  'DELETE /v1/feedback/posts/{postId}/followers/{userId}': 'feedback.posts.unfollow',
  'POST /v1/polls/{pollId}/votes': 'polls.vote',
  'DELETE /v1/polls/{pollId}/votes/{userId}': 'polls.unvote',
  'POST /v1/stories/entries/{entryId}/likes': 'stories.entries.like',
  'DELETE /v1/stories/entries/{entryId}/likes/{userId}': 'stories.entries.unlike',
  'POST /v1/stories/entries/{entryId}/moderation': 'stories.entries.moderate',
  'POST /v1/surveys/next': 'surveys.next',
  'POST /v1/surveys/{surveyId}/responses': 'surveys.respond',
  'POST /v1/comments/{commentId}/reports': 'comments.report',
  'POST /v1/moderation/comments/{commentId}/decision': 'moderation.comments.decide',
  'PUT /v1/moderation/blocks/{userId}': 'moderation.blocks.add',
  'DELETE /v1/moderation/blocks/{userId}': 'moderation.blocks.remove',
  'DELETE /v1/gamification/blocks/{userId}': 'gamification.blocks.remove',
  'POST /v1/users/{userId}/inbox/read': 'users.inbox.readAll',
  'GET /v1/users/{userId}/inbox/unread': 'users.inbox.unreadCount',
  'POST /v1/users/{userId}/contact-budget/reservations': 'users.contactBudget.reserve',
  'GET /v1/messaging/unsubscribe': 'messaging.unsubscribe.page',
  'POST /v1/messaging/unsubscribe': 'messaging.unsubscribe',
  'GET /v1/messaging/click': 'messaging.click',
  'POST /v1/messaging/deliveries/{deliveryId}/ack': 'messaging.deliveries.ack',
  'POST /v1/live/rooms/{roomId}/messages': 'live.rooms.messages.send',
  'POST /v1/live/rooms/{roomId}/likes': 'live.rooms.like',
  'POST /v1/live/rooms/{roomId}/interactions': 'live.rooms.interact',
  'POST /v1/group-buy/join': 'groupBuy.join',
  'GET /v1/group-buy/share/{code}': 'groupBuy.share.get',
  'POST /v1/bargains/{bargainId}/cuts': 'bargains.cut',
  'POST /v1/presale/orders/{orderId}/final': 'presale.orders.payFinal',
  'POST /v1/campaigns/{campaignId}/referral/attributions': 'campaigns.referral.attribute',
  'POST /v1/coupon-templates/{templateId}/claim': 'couponTemplates.claim',
  'POST /v1/coupon-templates/{templateId}/issue': 'couponTemplates.issue',
};

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

type JsonSchema = { $ref?: string; type?: unknown; properties?: Record<string, JsonSchema> };

/**
 * The derived operationId: the static path segments (after /v1) as the resource, then a verb.
 *   GET    …/{id} or a single object      → get        GET returning `{ data: [...] }` → list
 *   POST   …/things (plural)              → create     POST …/{id}/close (an action)  → close
 *   PUT    …/{id}                         → upsert     PUT  …/config (no id)          → set
 *   PUT    …/{id}/like                    → like       DELETE …/{id}/like             → unlike
 *   PATCH                                 → update     DELETE …/{id}                  → delete
 * e.g. GET /v1/polls → polls.list, PUT /v1/subjects/{kind}/{subjectId}/like → subjects.like.
 */
export function operationIdOf(method: string, path: string, okSchema: JsonSchema | undefined): string {
  const parts = path.replace(/^\/v1\//, '/').split('/').filter(Boolean);
  const isParam = (p: string | undefined) => p !== undefined && p.startsWith('{');
  const statics = parts.filter((p) => !isParam(p)).map(camel);
  const last = parts[parts.length - 1];
  const afterParam = isParam(parts[parts.length - 2]);
  const resource = (names: string[]) => names.join('.');
  if (isParam(last)) {
    const verb = { GET: 'get', PUT: 'upsert', POST: 'upsert', PATCH: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase();
    return `${resource(statics)}.${verb}`;
  }
  const lastName = statics[statics.length - 1]!;
  const parent = statics.slice(0, -1);
  switch (method) {
    case 'GET':
      return `${resource(statics)}.${okSchema?.properties?.data?.type === 'array' ? 'list' : 'get'}`;
    case 'POST':
      // A plural noun names a collection to add to; anything else is an action on the parent.
      return lastName.endsWith('s') ? `${resource(statics)}.create` : parent.length ? `${resource(parent)}.${lastName}` : `${lastName}.create`;
    case 'PUT':
      return afterParam ? `${resource(parent)}.${lastName}` : `${resource(statics)}.set`;
    case 'DELETE':
      return afterParam ? `${resource(parent)}.un${lastName}` : `${resource(statics)}.delete`;
    case 'PATCH':
      return `${resource(statics)}.update`;
    default:
      return `${resource(statics)}.${method.toLowerCase()}${capital(lastName)}`;
  }
}

type Operation = {
  operationId?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { $ref?: string; description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
};
type Doc = {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown>; responses?: Record<string, unknown> };
  [k: string]: unknown;
};

/**
 * What each tag (a section of the docs) covers, in English with the Chinese term where operators
 * know the feature by it. The document lists the tags its operations use, in the order they first
 * appear; a tag missing here gets no description, which Redocly's `tag-description` rule flags
 * (http/openapi.test.ts), so a new module's tag must be described here.
 */
export const TAG_DESCRIPTIONS: Record<string, string> = {
  System: 'Health of the server and its database, for load balancers and monitoring. No credentials.',
  'Operators & sessions': 'Operators (people who run apps in the console) sign in and out, change their password and manage their sessions.',
  'Apps & keys': 'Apps (tenants), their members and roles, and their secret (`sk_…`) and publishable (`pk_…`) keys.',
  Users: 'End users of the host app: identify them with traits, time zone and locale, read profiles, mint short-lived user tokens.',
  'Audit log': 'Every operator and secret-key mutation of an app, who made it and when.',
  Realtime: 'WebSocket and Server-Sent Events streams delivering inbox messages, announcements and live-room events to a user.',
  Events: "Track the host's behaviour events in batches and read them back; the catalogue of event names rules can listen to.",
  'Event log': "The app's ordered domain-event log, how far each consumer has read it, and the events a consumer could not handle.",
  Webhooks: 'Endpoints that receive signed domain events, their deliveries and retries.',
  Points: 'Point types (积分, growth value, make-up cards…), balances, grants, spends and the ledger, with expiry.',
  Gamification: 'The app-wide gamification configuration: check-in, daily reward, levels and abuse limits.',
  'Check-in': 'Daily check-in (签到) in the user’s local day: streaks, the monthly calendar and make-ups (补签).',
  Levels: 'The level ladder by growth value, its benefits, and a user’s level.',
  'Abuse defence': 'Patterns flagged as suspicious (many accounts on one device, machine-speed draws) and users blocked from rewards.',
  Lottery: 'Points lotteries (抽奖) with a prize pool, stock, published odds and draws.',
  'Points mall': 'The points mall (积分商城): items with stock and limits, redeemed with points.',
  'Daily reward': 'A random red packet of points on the first open of the user’s local day.',
  Badges: 'Badges and achievements (勋章), what earns them, and the badges a user holds.',
  Tasks: 'Newcomer, daily and weekly tasks (任务) whose progress comes from events, with a reward to claim.',
  Polls: 'Polls (投票), single or multiple choice, standalone or attached to a subject.',
  Subjects: 'The host’s content (a video, post or product) that users interact with, and its exact counters.',
  Interactions: 'Likes, favourites, coins, shares, 一键三连, follows and the other per-user interactions with subjects and users.',
  Comments: 'Threaded comments on subjects: post, reply, sort (hot, new, top), like, pin and feature.',
  Discovery: 'Hot lists (热门), rankings (排行榜, 每周必看) and curated slots (官方推荐).',
  Moderation: 'Reports, the moderation queue, decisions on comments and blocked users.',
  Stories: 'User-story collections and hashtag campaigns (用户故事征集): entries, likes, moderation and featured entries.',
  Inbox: 'A user’s in-app inbox (站内信): messages, announcements, unread counts and read state.',
  'Messaging preferences': 'A user’s opt-outs per category and channel, and quiet hours.',
  'Contact budget': 'Frequency caps across channels: may this user be contacted now, and reservations for contacts made outside Canyu.',
  'Message templates': 'Message templates with a zh-CN and an English version and {{variables}}.',
  'Messaging settings': 'Messaging defaults of the app: locale, time zone, quiet hours, frequency caps and the SMTP relay.',
  'Message rules': 'When an event happens, message someone (e.g. comment.replied → the comment’s author).',
  Sends: 'Messages sent to a user, a list or an audience, now or scheduled, with their statistics.',
  Tracking: 'One message’s inbox state and deliveries, and acknowledgements that a delivery reached the device.',
  Announcements: 'Announcements (公告) to every user or a traits-filtered audience, with read and click counts.',
  'Messaging links': 'The pages behind the links Canyu puts in messages (unsubscribe, tracked clicks); they work with the signed token in the link.',
  Segments: 'User segments by rules (traits, events, levels, badges, coupons, churn risk…) and RFM classes (重要价值客户 …).',
  Experiments: 'A/B experiments: variants with weights, a holdout, assignment and results against a goal.',
  Goals: 'KPI goals: a metric from a baseline to a target by a day, and where it stands.',
  Surveys: 'Questionnaires (问卷) with branching, targeting, triggers, recontact waits, quotas and points.',
  'Customer service': 'Customer service (客服): conversations a user opens in-app or a host bridge relays, answered first by the FAQ bot and handed to agents on request, on a hand-over word or after two unsure answers; a queue, routing by skill and load, claims, transfers, internal notes, canned replies, SLA breaches and satisfaction ratings (CSAT).',
  FAQ: 'The FAQ knowledge base (常见问题) behind automatic first answers: entries with paraphrases in zh-CN and English, search with a 0…1 confidence, and optional generative answers grounded in the entries.',
  Feedback: 'Feedback boards (反馈): posts, votes, followers, statuses and official responses; voters are told when a request ships.',
  'Live rooms': 'Live rooms (直播间): chat (danmaku), likes, interactions and the online count.',
  Coupons: 'Coupon templates and issued coupons: claim, issue, redeem and expiry.',
  Campaigns: 'Marketing campaigns (活动): their lifecycle, participants and report.',
  Communities: 'Communities (社群): groups of users with membership, invites, welcome by name, leave follow-up, posts and questions, unanswered-question alerts, lurkers and health.',
  'Flash sales': 'Flash sales (秒杀): sessions, items with stock and race-free attempts.',
  'Group buying': 'Group buying (拼团): teams opened and joined by share code that must fill in time.',
  'Bargains (砍价)': 'Bargains (砍价): friends cut the price until it reaches the floor.',
  Presale: 'Presale (预售): a deposit (定金) in one window and the final payment (尾款) in the next.',
  Crowdfunding: 'Crowdfunding: pledges towards a target before a deadline.',
  Referrals: 'Referrals (邀请): invite codes and the new users attributed to them.',
  Automation: 'Workflows: a trigger event, entry rules, waits, branches and steps that reward or message users.',
  Analytics: 'Active users, retention, funnels, engagement and the other metrics, with CSV export and segment filters.',
};

/** The document's tags: those its operations use, in order of first use, with their descriptions. */
export function describeTags(doc: Doc): void {
  const names: string[] = [];
  for (const ops of Object.values(doc.paths ?? {})) for (const op of Object.values(ops)) for (const tag of op.tags ?? []) if (!names.includes(tag)) names.push(tag);
  doc.tags = names.map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name }));
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Gives every operation its operationId; throws on a duplicate or an override naming no operation. */
export function assignOperationIds(doc: Doc): void {
  const seen = new Map<string, string>();
  const used = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.has(method)) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const override = OPERATION_IDS[key];
      if (override) used.add(key);
      const ok = op.responses?.['200'] ?? op.responses?.['201'];
      let schema = ok?.content?.['application/json']?.schema;
      if (schema?.$ref) schema = doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] as JsonSchema | undefined;
      const id = op.operationId ?? override ?? operationIdOf(method.toUpperCase(), path, schema);
      const other = seen.get(id);
      if (other) throw new Error(`operationId ${id} names both ${other} and ${key}: add a name to OPERATION_IDS (http/openapi.ts)`);
      seen.set(id, key);
      op.operationId = id;
    }
  }
  const stale = Object.keys(OPERATION_IDS).filter((k) => !used.has(k));
  if (stale.length) throw new Error(`OPERATION_IDS (http/openapi.ts) names operations that do not exist: ${stale.join(', ')}`);
}

/**
 * The errors any operation can answer, whatever its route declares: 503 `unavailable` while the
 * database is unreachable (with Retry-After), and 429 `rate_limited` on every operation that takes
 * credentials (the per-key and per-user limits). Added where the route does not list them.
 */
export function addCommonErrors(doc: Doc): void {
  const error = (description: string) => ({
    description,
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  doc.components = {
    ...doc.components,
    responses: {
      ...doc.components?.responses,
      RateLimited: error('Too many requests: over the rate limit of the key or the user (`rate_limited`); retry after Retry-After seconds'),
      Unavailable: error('Unavailable for the moment (`unavailable`), e.g. the database is unreachable (`details.reason: "database_unreachable"`); retry after Retry-After seconds'),
    },
  };
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.has(method)) continue;
      const responses = (op.responses ??= {});
      if (op.security?.length && !responses['429']) responses['429'] = { $ref: '#/components/responses/RateLimited' };
      if (!responses['503']) responses['503'] = { $ref: '#/components/responses/Unavailable' };
    }
  }
}

/** Drops the component schemas no operation reaches (zod's registry adds input twins of every output), sorts the rest. */
export function pruneComponents(doc: Doc): void {
  const schemas = doc.components?.schemas;
  if (!schemas) return;
  const reached = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) visit(x);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && x.startsWith('#/components/schemas/')) {
          const name = x.slice('#/components/schemas/'.length);
          if (!reached.has(name)) {
            reached.add(name);
            visit(schemas[name]);
          }
        } else visit(x);
      }
    }
  };
  visit(doc.paths);
  // In name order: the committed copy then changes only where a schema does, not when modules
  // register in another order.
  const kept = Object.keys(schemas)
    .filter((name) => reached.has(name))
    .sort();
  doc.components!.schemas = Object.fromEntries(kept.map((name) => [name, schemas[name]]));
}

export function openapiOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Canyu API',
        version: VERSION,
        description:
          'Canyu (参与) user-engagement engine. Errors are `{ "error": { "code", "message", "details" } }`; lists use `limit`/`cursor` → `next_cursor`; ' +
          'mutating requests accept `Idempotency-Key`. Send `Accept-Language: zh-CN` for Chinese error messages.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the server that serves this document (every deployment has its own address).
      servers: [{ url: '/', description: 'The Canyu server serving this document' }],
      components: {
        securitySchemes: {
          secretKey: { type: 'http', scheme: 'bearer', description: 'Secret key `sk_…` (server to server only)' },
          publishableKey: { type: 'http', scheme: 'bearer', description: 'Publishable key `pk_…` (clients), used with userToken' },
          userToken: { type: 'apiKey', in: 'header', name: 'X-User-Token', description: 'End-user JWT (HS256, signed with the secret key, sub = user id)' },
          operatorSession: { type: 'http', scheme: 'bearer', description: 'Operator session token `ops_…` from POST /v1/auth/login; name the app with X-Canyu-App where no :appId is in the path' },
          signedLink: { type: 'apiKey', in: 'query', name: 'token', description: 'A signed token in a link Canyu sent the user (unsubscribe, tracked click): works without signing in' },
        },
      },
    },
    hideUntagged: true,
    transform: (input) => {
      const transformed = jsonSchemaTransform(input);
      const config = input.route?.config as { auth?: AuthPolicy; audit?: AuditPolicy } | undefined;
      const method = String(input.route?.method ?? '').toUpperCase();
      // What the audit log keeps of this operation: 'recorded', or why it is exempt (http/audit.ts).
      const audit = config?.audit;
      const out = audit === undefined ? transformed : { ...transformed, schema: { ...transformed.schema, 'x-canyu-audit': audit === 'recorded' ? 'recorded' : { exempt: audit.exempt } } };
      const policy = config?.auth;
      // Public (no credentials needed): say so, unless the route names what it takes instead (signed links).
      if (!policy || policy.public) return out.schema.security ? out : { ...out, schema: { ...out.schema, security: [] } };
      const headers =
        method === 'POST' || method === 'PATCH' || method === 'DELETE'
          ? {
              type: 'object',
              properties: {
                'idempotency-key': { type: 'string', maxLength: 255, description: 'Retry-safe key: a repeat with the same body returns the stored response; with a different body, 409' },
              },
            }
          : undefined;
      const security: Record<string, string[]>[] = [];
      if (policy.secret) security.push({ secretKey: [] });
      if (policy.user) security.push({ publishableKey: [], userToken: [] });
      if (policy.publishable) security.push({ publishableKey: [] });
      if (policy.operator) security.push({ operatorSession: [] });
      return { ...out, schema: { ...out.schema, ...(headers && !out.schema.headers ? { headers } : {}), security } };
    },
    transformObject: (input) => {
      const doc = jsonSchemaTransformObject(input) as Doc;
      assignOperationIds(doc);
      addCommonErrors(doc);
      describeTags(doc);
      pruneComponents(doc);
      // The tags read best next to info and servers, not after the 2 MB of paths and components.
      const { openapi, info, servers, tags, ...rest } = doc;
      return { openapi, info, servers, tags, ...rest } as ReturnType<typeof jsonSchemaTransformObject>;
    },
  };
}

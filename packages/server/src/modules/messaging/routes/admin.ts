// What operators configure: templates, settings, frequency caps, event rules.
import { z } from 'zod';
import { appIdOf } from '../../../http/auth.ts';
import { decodeCursor, page, pageQuery, pageSchema } from '../../../http/pagination.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import type { Messaging } from '../service/index.ts';
import { CapBody, Category, PreviewBody, RuleBody, SettingsBody, TemplateBody, TemplateKey, TemplatePatch } from '../types.ts';
import { CapOut, presentCap, presentRule, presentSettings, presentTemplate, RuleOut, SettingsOut, TemplateOut } from './present.ts';

const manage = { secret: true, operator: 'messaging.manage' } as const;
const read = { secret: true, operator: 'messaging.read' } as const;
const KeyParams = z.strictObject({ key: TemplateKey });

export function adminRoutes(api: Api, deps: { messaging: Messaging; ctx: RequestCtx }): void {
  const { messaging: m, ctx } = deps;

  // ---- templates --------------------------------------------------------------------------------------
  const tags = ['Message templates'];
  api.post(
    '/v1/messaging/templates',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create a template: a zh-CN and an English version with {{variables}}',
        description: 'Every {{name}} in the texts must be declared in variables (built-ins: user_id, nickname). At send time a variable takes the send data, then the user trait of the same name, then its fallback.',
        body: TemplateBody,
        response: { 201: TemplateOut, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(presentTemplate(await m.admin.createTemplate(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/messaging/templates',
    {
      config: { auth: read },
      schema: { tags, summary: 'List templates by key', querystring: z.strictObject({ ...pageQuery, category: Category.optional() }), response: { 200: pageSchema(TemplateOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ k: z.string() }));
      const rows = await m.admin.listTemplates(ctx(req), appIdOf(req), { limit: req.query.limit + 1, afterKey: cur?.k, category: req.query.category });
      const p = page(rows, req.query.limit, (r) => ({ k: r.key }));
      return { data: p.data.map(presentTemplate), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/messaging/templates/:key',
    { config: { auth: read }, schema: { tags, summary: 'Get a template', params: KeyParams, response: { 200: TemplateOut, ...errors(401, 403, 404) } } },
    async (req) => presentTemplate(await m.admin.getTemplate(ctx(req), appIdOf(req), req.params.key)),
  );

  api.patch(
    '/v1/messaging/templates/:key',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Change a template (fields not sent are kept)', params: KeyParams, body: TemplatePatch, response: { 200: TemplateOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentTemplate(await m.admin.updateTemplate(ctx(req), appIdOf(req), req.params.key, req.body)),
  );

  api.delete(
    '/v1/messaging/templates/:key',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags, summary: 'Delete a template (not while a rule uses it)', params: KeyParams, response: { 204: z.null(), ...errors(401, 403, 404, 409) } } },
    async (req, reply) => {
      await m.admin.deleteTemplate(ctx(req), appIdOf(req), req.params.key);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/v1/messaging/templates/:key/preview',
    {
      config: { auth: read, audit: { exempt: 'Renders a preview; changes nothing' } },
      schema: {
        tags,
        summary: 'Render a template with its sample values (overridden by data) in zh-CN and English',
        params: KeyParams,
        body: PreviewBody,
        response: { 200: z.object({ template: z.string(), variables: z.array(z.string()), rendered: z.record(z.string(), z.object({ title: z.string(), body: z.string(), url: z.string().nullable() })) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => m.admin.preview(ctx(req), appIdOf(req), req.params.key, req.body),
  );

  // ---- settings and caps ---------------------------------------------------------------------------------
  const stags = ['Messaging settings'];
  api.get(
    '/v1/messaging/settings',
    { config: { auth: read }, schema: { tags: stags, summary: 'Messaging settings of the app', response: { 200: SettingsOut, ...errors(401, 403) } } },
    async (req) => presentSettings(await m.admin.getSettings(ctx(req), appIdOf(req))),
  );

  api.patch(
    '/v1/messaging/settings',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags: stags,
        summary: 'Change defaults (locale, timezone for users without one), quiet hours and the SMTP relay',
        description: "Quiet hours apply in each user's own timezone (or default_timezone); messages on the quiet channels wait for the end of the window. Users may set their own.",
        body: SettingsBody,
        response: { 200: SettingsOut, ...errors(400, 401, 403) },
      },
    },
    async (req) => presentSettings(await m.admin.updateSettings(ctx(req), appIdOf(req), req.body)),
  );

  api.get(
    '/v1/messaging/caps',
    { config: { auth: read }, schema: { tags: stags, summary: 'Frequency caps (the contact budget)', response: { 200: z.object({ data: z.array(CapOut) }), ...errors(401, 403) } } },
    async (req) => ({ data: (await m.admin.listCaps(ctx(req), appIdOf(req))).map(presentCap) }),
  );

  api.post(
    '/v1/messaging/caps',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags: stags,
        summary: 'Add a frequency cap: at most max messages per user per hour/day/week (the user’s local calendar)',
        description: 'A cap with a channel counts that channel; without one it counts each message once, whatever its channels. Transactional messages bypass caps. A capped message is recorded as capped.',
        body: CapBody,
        response: { 201: CapOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(presentCap(await m.admin.createCap(ctx(req), appIdOf(req), req.body))),
  );

  api.delete(
    '/v1/messaging/caps/:capId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags: stags, summary: 'Remove a frequency cap', params: z.strictObject({ capId: z.string().max(64) }), response: { 204: z.null(), ...errors(401, 403, 404) } } },
    async (req, reply) => {
      await m.admin.deleteCap(ctx(req), appIdOf(req), req.params.capId);
      return reply.code(204).send(null);
    },
  );

  // ---- event rules -----------------------------------------------------------------------------------------
  const rtags = ['Message rules'];
  const RuleParams = z.strictObject({ ruleId: z.string().max(64) });
  api.post(
    '/v1/messaging/rules',
    {
      config: { auth: manage, audit: 'recorded' },
      schema: {
        tags: rtags,
        summary: 'When an event happens, message someone (e.g. comment.replied → the comment author)',
        description: 'Matches domain events published by any module and host events ingested through POST /v1/events, by name. With digest, notifications with the same key gather for window_seconds and go out as one ("{{actor}} and {{others}} others …").',
        body: RuleBody,
        response: { 201: RuleOut, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(presentRule(await m.rules.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/messaging/rules',
    { config: { auth: read }, schema: { tags: rtags, summary: 'List rules', querystring: z.strictObject({ ...pageQuery, event: z.string().max(128).optional() }), response: { 200: pageSchema(RuleOut), ...errors(400, 401, 403) } } },
    async (req) => {
      const cur = decodeCursor(req.query.cursor, z.object({ i: z.string() }));
      const rows = await m.rules.list(ctx(req), appIdOf(req), { limit: req.query.limit + 1, afterId: cur?.i, event: req.query.event });
      const p = page(rows, req.query.limit, (r) => ({ i: r.id }));
      return { data: p.data.map(presentRule), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/messaging/rules/:ruleId',
    { config: { auth: read }, schema: { tags: rtags, summary: 'Get a rule', params: RuleParams, response: { 200: RuleOut, ...errors(401, 403, 404) } } },
    async (req) => presentRule(await m.rules.get(ctx(req), appIdOf(req), req.params.ruleId)),
  );

  api.patch(
    '/v1/messaging/rules/:ruleId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags: rtags, summary: 'Enable or disable a rule', params: RuleParams, body: z.strictObject({ enabled: z.boolean() }), response: { 200: RuleOut, ...errors(400, 401, 403, 404) } } },
    async (req) => presentRule(await m.rules.setEnabled(ctx(req), appIdOf(req), req.params.ruleId, req.body.enabled)),
  );

  api.delete(
    '/v1/messaging/rules/:ruleId',
    { config: { auth: manage, audit: 'recorded' }, schema: { tags: rtags, summary: 'Delete a rule', params: RuleParams, response: { 204: z.null(), ...errors(401, 403, 404) } } },
    async (req, reply) => {
      await m.rules.remove(ctx(req), appIdOf(req), req.params.ruleId);
      return reply.code(204).send(null);
    },
  );
}

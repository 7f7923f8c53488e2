// HTTP surface of experiments: thin handlers over the service.
import { z } from 'zod';
import { actingUserId, appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../http/route.ts';
import { publicExperiment, type Experiments } from './service.ts';
import type { ExperimentRow } from './store.ts';
import { ExperimentBody, ExperimentPatch } from './types.ts';

const tags = ['Experiments'];
const read = { secret: true, operator: 'analytics.read' } as const;
const write = { secret: true, operator: 'campaigns.manage' } as const;

const ExperimentOut = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(['draft', 'running', 'stopped']),
    variants: z.array(z.object({ key: z.string(), weight: z.number().int() })),
    holdout_percent: z.number().int(),
    target: z.object({ kind: z.string(), id: z.string().nullable() }),
    goal: z.record(z.string(), z.unknown()),
    started_at: z.string().nullable(),
    stopped_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Experiment' });

const present = (e: ExperimentRow): z.infer<typeof ExperimentOut> => ({
  id: e.id,
  ...publicExperiment(e),
  goal: e.goal as unknown as Record<string, unknown>,
  started_at: iso(e.startedAt),
  stopped_at: iso(e.stoppedAt),
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
});

const Params = z.strictObject({ experimentId: z.string().min(1).max(64).describe('The id or the key') });
const Comparison = z
  .object({ difference: z.number(), ci95: z.tuple([z.number(), z.number()]), p_value: z.number() })
  .nullable()
  .describe('Against the control: conversion by a two-proportion z-test, means by Welch’s t-test; null for the control or without enough users');

export function experimentsRoutes(api: Api, deps: { experiments: Experiments; ctx: RequestCtx }): void {
  const { experiments, ctx } = deps;

  api.post(
    '/v1/experiments',
    {
      config: { auth: write, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create an experiment (draft): variants with weights, a holdout share and a goal',
        description: 'Users are assigned by a salted hash of their id (sticky). The first variant is the control. Start it, then record exposures as users see it.',
        body: ExperimentBody,
        response: { 201: ExperimentOut, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(present(await experiments.create(ctx(req), appIdOf(req), req.body))),
  );

  api.get(
    '/v1/experiments',
    {
      config: { auth: read },
      schema: { tags, summary: 'List experiments, newest first', querystring: z.strictObject({ status: z.enum(['draft', 'running', 'stopped']).optional(), ...pageQuery }), response: { 200: pageSchema(ExperimentOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const before = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string().max(64) }));
      const rows = await experiments.list(ctx(req), appIdOf(req), { limit: q.limit + 1, status: q.status, before });
      const p = page(rows, q.limit, (e) => ({ t: e.createdAt.toISOString(), id: e.id }));
      return { data: p.data.map(present), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/experiments/:experimentId',
    { config: { auth: read }, schema: { tags, summary: 'An experiment', params: Params, response: { 200: ExperimentOut, ...errors(400, 401, 403, 404) } } },
    async (req) => present(await experiments.get(ctx(req), appIdOf(req), req.params.experimentId)),
  );

  api.patch(
    '/v1/experiments/:experimentId',
    {
      config: { auth: write, audit: 'recorded' },
      schema: { tags, summary: 'Change an experiment (variants, holdout and goal only while a draft)', params: Params, body: ExperimentPatch, response: { 200: ExperimentOut, ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => present(await experiments.update(ctx(req), appIdOf(req), req.params.experimentId, req.body)),
  );

  for (const [path, status, summary] of [
    ['start', 'running', 'Start recording exposures'],
    ['stop', 'stopped', 'Stop the experiment (its report stays)'],
  ] as const) {
    api.post(
      `/v1/experiments/:experimentId/${path}`,
      { config: { auth: write, audit: 'recorded' }, schema: { tags, summary, params: Params, response: { 200: ExperimentOut, ...errors(400, 401, 403, 404, 409) } } },
      async (req) => present(await experiments.setStatus(ctx(req), appIdOf(req), req.params.experimentId, status)),
    );
  }

  const AssignmentOut = z.object({ experiment: z.string(), user_id: z.string(), variant: z.string().describe('A variant key, or "holdout"'), holdout: z.boolean().describe('true: show this user nothing of the experiment') });
  api.get(
    '/v1/experiments/:experimentId/assignments/:userId',
    {
      config: { auth: read },
      schema: { tags, summary: "A user's arm (computed, not recorded: the same answer every time)", params: Params.extend({ userId: externalId('userId') }), response: { 200: AssignmentOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const r = await experiments.assignment(ctx(req), appIdOf(req), req.params.experimentId, req.params.userId);
      return { experiment: r.experiment.key, user_id: req.params.userId, variant: r.variant, holdout: r.holdout };
    },
  );

  api.post(
    '/v1/experiments/:experimentId/exposures',
    {
      config: { auth: { secret: true, user: true }, audit: { exempt: 'An end-user exposure, recorded in ex_assignments and announced as experiment.exposed' } },
      schema: {
        tags,
        summary: 'Record that a user is shown the experiment now; answers their arm',
        description: 'The first exposure fixes the time the goal window starts, once however many calls race. `expose: false` (holdout users): show them nothing. A user token records its own user.',
        params: Params,
        body: z.strictObject({ user_id: externalId('user_id').optional() }),
        response: { 200: z.object({ variant: z.string(), holdout: z.boolean(), expose: z.boolean(), first: z.boolean(), assigned_at: z.string() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await experiments.expose(ctx(req), appIdOf(req), req.params.experimentId, actingUserId(req, req.body.user_id));
      return { variant: r.variant, holdout: r.holdout, expose: r.expose, first: r.first, assigned_at: r.assignedAt.toISOString() };
    },
  );

  api.get(
    '/v1/experiments/:experimentId/report',
    {
      config: { auth: read },
      schema: {
        tags,
        summary: 'Per arm: exposed users and the goal; each variant against the control with a 95% interval and p-value; sample-ratio check',
        params: Params,
        response: {
          200: z.object({
            experiment: ExperimentOut,
            control: z.string(),
            arms: z.array(z.object({ arm: z.string(), users: z.number().int(), value: z.number().nullable().describe('Conversion rate, or the mean per user'), conversions: z.number().nullable(), vs_control: Comparison })),
            sample_ratio: z.object({ chi_square: z.number(), p_value: z.number(), mismatch: z.boolean().describe('true when p < 0.001: the arms did not get their configured shares; distrust the results') }),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const r = await experiments.report(ctx(req), appIdOf(req), req.params.experimentId);
      return {
        experiment: present(r.experiment),
        control: r.control,
        arms: r.arms.map((a) => ({ arm: a.arm, users: a.users, value: a.value, conversions: a.conversions, vs_control: a.vsControl ? { difference: a.vsControl.difference, ci95: a.vsControl.ci95, p_value: a.vsControl.pValue } : null })),
        sample_ratio: { chi_square: r.sampleRatio.chiSquare, p_value: r.sampleRatio.pValue, mismatch: r.sampleRatio.mismatch },
      };
    },
  );
}

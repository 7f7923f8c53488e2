import { z } from 'zod';
import { appIdOf } from '../../http/auth.ts';
import { cursorTime, decodeCursor, page, pageQuery, pageSchema } from '../../http/pagination.ts';
import { errors, externalId, iso, type Api, type RequestCtx } from '../../http/route.ts';
import type { Definition } from './rules/definition.ts';
import type { Automation } from './service.ts';
import type { RunRow, RunStepRow, StepTotals, WorkflowRow } from './store.ts';
import { CreateWorkflowBody, UpdateWorkflowBody } from './types.ts';

const tags = ['Automation'];
const Id = z.string().min(1).max(64);
const WorkflowParams = z.strictObject({ workflowId: Id });
const RunParams = z.strictObject({ runId: Id });
const Status = z.enum(['draft', 'active', 'paused', 'archived']);
const RunStatus = z.enum(['active', 'completed', 'exited']);

const WorkflowOut = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: Status,
    version: z.number().int().describe('The version new runs start on'),
    throttled: z.number().int().describe('Entries refused by entry.max_per_hour'),
    next_fire_at: z.string().nullable().describe('A scheduled trigger: when its audience enters next (null without a schedule or while not active)'),
    definition: z.record(z.string(), z.unknown()).describe('trigger, entry, goal, timezone and steps, as sent (event sources filled in)'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Workflow' });

const RunOut = z
  .object({
    id: z.string(),
    workflow_id: z.string(),
    version: z.number().int(),
    user_id: z.string(),
    status: RunStatus,
    exit_reason: z.string().nullable().describe('holdout, archived…'),
    step: z.string().nullable().describe('The step the run is at; null once it ended'),
    step_at: z.string(),
    wake_at: z.string().nullable().describe('When the run moves on next (end of a wait, or a timeout)'),
    trigger: z.record(z.string(), z.unknown()).describe('The event that started the run'),
    converted_at: z.string().nullable(),
    created_at: z.string(),
    ended_at: z.string().nullable(),
  })
  .meta({ id: 'WorkflowRun' });

const HistoryOut = z.object({ step_id: z.string(), outcome: z.string().describe('done, failed, waited, event, timeout, then, else, path_N, holdout'), detail: z.record(z.string(), z.unknown()).describe('Why: the checks of a branch, the entry of a grant, the error of a failed action'), at: z.string() });

const presentWorkflow = (w: WorkflowRow, d: Definition): z.infer<typeof WorkflowOut> => ({
  id: w.id,
  name: w.name,
  description: w.description,
  status: w.status as z.infer<typeof Status>,
  version: w.version,
  throttled: w.throttled,
  next_fire_at: w.nextFireAt?.toISOString() ?? null,
  definition: d as unknown as Record<string, unknown>,
  created_at: w.createdAt.toISOString(),
  updated_at: w.updatedAt.toISOString(),
});

const presentRun = (r: RunRow): z.infer<typeof RunOut> => ({
  id: r.id,
  workflow_id: r.workflowId,
  version: r.version,
  user_id: r.userId,
  status: r.status as z.infer<typeof RunStatus>,
  exit_reason: r.exitReason,
  step: r.step,
  step_at: r.stepAt.toISOString(),
  wake_at: iso(r.wakeAt),
  trigger: r.trigger,
  converted_at: iso(r.convertedAt),
  created_at: r.createdAt.toISOString(),
  ended_at: iso(r.endedAt),
});

const presentStep = (s: RunStepRow): z.infer<typeof HistoryOut> => ({ step_id: s.stepId, outcome: s.outcome, detail: s.detail, at: s.at.toISOString() });

const Counts = { entered: z.number().int(), active: z.number().int(), completed: z.number().int(), exited: z.number().int(), holdout: z.number().int(), converted: z.number().int() };
const StatsOut = z.object({
  workflow_id: z.string(),
  version: z.number().int().describe('The current version'),
  ...Counts,
  throttled: z.number().int(),
  conversion_rate: z.number().nullable().describe('converted / entered (null before anyone entered)'),
  holdout_conversion_rate: z.number().nullable().describe('Conversion of the holdout group, to compare against'),
  versions: z.array(z.object({ version: z.number().int(), ...Counts })),
  steps: z.array(
    z.object({
      version: z.number().int(),
      step_id: z.string(),
      type: z.string().nullable(),
      waiting: z.number().int().describe('Runs at this step now'),
      outcomes: z.array(z.object({ outcome: z.string(), runs: z.number().int(), converted: z.number().int() })),
    }),
  ),
});

export function automationRoutes(api: Api, deps: { automation: Automation; ctx: RequestCtx }): void {
  const { automation, ctx } = deps;

  api.post(
    '/v1/automation/workflows',
    {
      config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Create a workflow: a trigger event, entry rules, an optional goal and steps (a draft unless active is true)',
        description:
          'Steps: wait (seconds, or until a local time in the user’s time zone), wait_for_event (with a timeout), branch (did_event since entry, trigger conditions, user traits), split (weighted paths plus an optional holdout), and the actions grant_points, deduct_points, issue_coupon, send_message, award_badge, call_webhook, set_traits. Each step goes to `next` (default: the following step) or "end"; a workflow cannot loop. Conditions use the rule condition language (eq, in, gt… see GET /v1/events/catalog for event properties).',
        body: CreateWorkflowBody,
        response: { 201: WorkflowOut, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const r = await automation.create(ctx(req), appIdOf(req), req.body);
      return reply.code(201).send(presentWorkflow(r.workflow, r.definition));
    },
  );

  api.get(
    '/v1/automation/workflows',
    {
      config: { auth: { secret: true, operator: 'analytics.read' } },
      schema: { tags, summary: 'List workflows, newest first', querystring: z.strictObject({ ...pageQuery, status: Status.optional() }), response: { 200: pageSchema(WorkflowOut), ...errors(400, 401, 403) } },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string().max(64) }));
      const rows = await automation.list(ctx(req), appIdOf(req), { limit: q.limit + 1, before: cur, status: q.status });
      const p = page(rows, q.limit, (r) => ({ t: r.workflow.createdAt.toISOString(), id: r.workflow.id }));
      return { data: p.data.map((r) => presentWorkflow(r.workflow, r.definition)), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/automation/workflows/:workflowId',
    {
      config: { auth: { secret: true, operator: 'analytics.read' } },
      schema: {
        tags,
        summary: 'Get a workflow with its current definition and its versions',
        params: WorkflowParams,
        response: { 200: WorkflowOut.extend({ versions: z.array(z.object({ version: z.number().int(), created_at: z.string() })) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const r = await automation.get(ctx(req), appIdOf(req), req.params.workflowId);
      return { ...presentWorkflow(r.workflow, r.definition), versions: r.versions.map((v) => ({ version: v.version, created_at: v.createdAt.toISOString() })) };
    },
  );

  api.patch(
    '/v1/automation/workflows/:workflowId',
    {
      config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Rename, describe, or give a new definition (a new version: runs in flight finish on theirs)',
        params: WorkflowParams,
        body: UpdateWorkflowBody,
        response: { 200: WorkflowOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await automation.update(ctx(req), appIdOf(req), req.params.workflowId, req.body);
      return presentWorkflow(r.workflow, r.definition);
    },
  );

  for (const [verb, summary] of [
    ['activate', 'Start taking entries (idempotent)'],
    ['pause', 'Stop taking entries; runs in flight go on (idempotent)'],
    ['archive', 'Stop for good: no entries, and runs in flight end (exited, archived)'],
  ] as const) {
    api.post(
      `/v1/automation/workflows/:workflowId/${verb}`,
      {
        config: { auth: { secret: true, operator: 'campaigns.manage' }, audit: 'recorded' },
        schema: { tags, summary, params: WorkflowParams, response: { 200: WorkflowOut, ...errors(400, 401, 403, 404, 409) } },
      },
      async (req) => {
        const w = await automation[verb](ctx(req), appIdOf(req), req.params.workflowId);
        const r = await automation.get(ctx(req), appIdOf(req), w.id);
        return presentWorkflow(r.workflow, r.definition);
      },
    );
  }

  api.get(
    '/v1/automation/workflows/:workflowId/stats',
    {
      config: { auth: { secret: true, operator: 'analytics.read' } },
      schema: { tags, summary: 'Entered, completed, exited and converted, per version and per step and outcome (split paths and holdout compared)', params: WorkflowParams, response: { 200: StatsOut, ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const s = await automation.stats(ctx(req), appIdOf(req), req.params.workflowId);
      const count = (rows: typeof s.runs) => ({
        entered: rows.reduce((a, r) => a + r.runs, 0),
        active: rows.filter((r) => r.status === 'active').reduce((a, r) => a + r.runs, 0),
        completed: rows.filter((r) => r.status === 'completed').reduce((a, r) => a + r.runs, 0),
        exited: rows.filter((r) => r.status === 'exited').reduce((a, r) => a + r.runs, 0),
        holdout: rows.filter((r) => r.exitReason === 'holdout').reduce((a, r) => a + r.runs, 0),
        converted: rows.reduce((a, r) => a + r.converted, 0),
      });
      const all = count(s.runs);
      const held = s.runs.filter((r) => r.exitReason === 'holdout');
      const heldConverted = held.reduce((a, r) => a + r.converted, 0);
      const versions = [...new Set(s.runs.map((r) => r.version))].sort((a, b) => a - b);
      const typeOf = new Map(s.definition.steps.map((x) => [x.id, x.type]));
      const keys = new Map<string, { version: number; stepId: string }>();
      for (const x of [...s.steps, ...s.waiting]) keys.set(`${x.version}\u0000${x.stepId}`, { version: x.version, stepId: x.stepId });
      const byStep = (version: number, stepId: string): StepTotals[] => s.steps.filter((x) => x.version === version && x.stepId === stepId);
      return {
        workflow_id: s.workflow.id,
        version: s.workflow.version,
        ...all,
        throttled: s.workflow.throttled,
        conversion_rate: all.entered > 0 ? all.converted / all.entered : null,
        holdout_conversion_rate: all.holdout > 0 ? heldConverted / all.holdout : null,
        versions: versions.map((v) => ({ version: v, ...count(s.runs.filter((r) => r.version === v)) })),
        steps: [...keys.values()]
          .sort((a, b) => a.version - b.version || a.stepId.localeCompare(b.stepId))
          .map((k) => ({
            version: k.version,
            step_id: k.stepId,
            type: k.version === s.workflow.version ? (typeOf.get(k.stepId) ?? null) : null,
            waiting: s.waiting.find((w) => w.version === k.version && w.stepId === k.stepId)?.runs ?? 0,
            outcomes: byStep(k.version, k.stepId).map((x) => ({ outcome: x.outcome, runs: x.runs, converted: x.converted })),
          })),
      };
    },
  );

  api.get(
    '/v1/automation/runs',
    {
      config: { auth: { secret: true, operator: 'analytics.read' } },
      schema: {
        tags,
        summary: 'List workflow runs, newest first; filter by workflow, user and status',
        querystring: z.strictObject({ ...pageQuery, workflow_id: Id.optional(), user_id: externalId('user_id').optional(), status: RunStatus.optional() }),
        response: { 200: pageSchema(RunOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const q = req.query;
      const cur = decodeCursor(q.cursor, z.object({ t: cursorTime(), id: z.string().max(64) }));
      const rows = await automation.runs(ctx(req), appIdOf(req), { limit: q.limit + 1, before: cur, workflowId: q.workflow_id, userId: q.user_id, status: q.status });
      const p = page(rows, q.limit, (r) => ({ t: r.createdAt.toISOString(), id: r.id }));
      return { data: p.data.map(presentRun), next_cursor: p.next_cursor };
    },
  );

  api.get(
    '/v1/automation/runs/:runId',
    {
      config: { auth: { secret: true, operator: 'analytics.read' } },
      schema: { tags, summary: 'One run with the history of its steps: what each did and why a branch went its way', params: RunParams, response: { 200: RunOut.extend({ history: z.array(HistoryOut) }), ...errors(400, 401, 403, 404) } },
    },
    async (req) => {
      const r = await automation.run(ctx(req), appIdOf(req), req.params.runId);
      return { ...presentRun(r.run), history: r.steps.map(presentStep) };
    },
  );
}

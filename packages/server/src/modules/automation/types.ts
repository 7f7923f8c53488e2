// Inputs of the automation API: a workflow is a trigger, entry rules, an optional goal and steps.
import { z } from 'zod';
import { cleanText, jsonObject } from '../../http/json.ts';
import { ConditionsSchema } from '../../lib/conditions.ts';
import { isTimeZone } from '../../lib/localtime.ts';

const StepId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'a step id: 1-40 lowercase letters, digits, _ or -, e.g. wait_1d')
  .refine((s) => s !== 'end', '"end" is reserved: it means the run is over');
const Next = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'a step id, or "end"').describe('The step to go to, or "end"');
const EventName = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');
const Source = z.enum(['event', 'domain']).optional().describe('`domain`: a Canyu domain event (see GET /v1/events/catalog); `event`: a host event sent to POST /v1/events. Default: domain when the catalogue has the name, else event');
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');
const Schedule = z
  .strictObject({
    every: z.enum(['day', 'week']),
    at: clock.describe('HH:MM'),
    weekday: z.number().int().min(1).max(7).optional().describe('With every: week — 1 = Monday … 7 = Sunday'),
  })
  .refine((s) => (s.every === 'week') === (s.weekday !== undefined), { message: 'weekday goes with every: week, and only with it', path: ['weekday'] });
export type ScheduleInput = z.infer<typeof Schedule>;
const EventMatch = z.strictObject({ event: EventName, source: Source, conditions: ConditionsSchema.default({}) });

const base = { id: StepId, next: Next.optional().describe('Default: the following step; after the last step the run ends') };
const Step = z.discriminatedUnion('type', [
  z
    .strictObject({ ...base, type: z.literal('wait'), seconds: z.number().int().min(1).max(366 * 86400).optional(), until_local_time: clock.optional().describe("Waits until the next HH:MM in the user's time zone (users.timezone, else the workflow's)") })
    .refine((s) => (s.seconds === undefined) !== (s.until_local_time === undefined), { message: 'give exactly one of seconds or until_local_time', path: ['seconds'] }),
  z.strictObject({ id: StepId, type: z.literal('wait_for_event'), ...EventMatch.shape, timeout_seconds: z.number().int().min(1).max(366 * 86400), on_event: Next, on_timeout: Next }),
  z.strictObject({
    id: StepId,
    type: z.literal('branch'),
    condition: z
      .strictObject({
        did_event: EventMatch.optional().describe('The user did this event since the run started'),
        trigger: ConditionsSchema.optional().describe('Conditions on the triggering event'),
        traits: ConditionsSchema.optional().describe("Conditions on the user's traits"),
        segment: z
          .strictObject({ id: z.string().min(1).max(128), member: z.boolean().default(true) })
          .optional()
          .describe('The user is (member: true) or is not (false) in this segment when the step runs'),
      })
      .refine((c) => c.did_event !== undefined || c.trigger !== undefined || c.traits !== undefined || c.segment !== undefined, 'give did_event, trigger, traits or segment (all given must hold)'),
    then: Next,
    else: Next,
  }),
  z.strictObject({
    id: StepId,
    type: z.literal('split'),
    paths: z.array(z.strictObject({ weight: z.number().int().min(1).max(10_000), next: Next })).min(1).max(10),
    holdout_weight: z.number().int().min(1).max(10_000).optional().describe('Users drawn into the holdout leave the workflow here and get nothing; their conversion is measured'),
  }),
  z.strictObject({
    id: StepId,
    type: z.literal('experiment'),
    experiment: z.string().min(1).max(128).describe('An experiment (id or key): each user follows the path of their arm, recorded as their exposure'),
    paths: z
      .record(z.string().min(1).max(64), Next)
      .refine((o) => Object.keys(o).length >= 1 && Object.keys(o).length <= 10, '1 to 10 arms')
      .describe('The step each arm goes to (every arm of the experiment must have one). Holdout users leave the workflow here and get nothing; while the experiment is not running everyone takes the control arm’s path and nobody is recorded'),
  }),
  z.strictObject({ ...base, type: z.literal('grant_points'), points_type: z.string().min(1).max(64), amount: z.number().int().min(1).max(1_000_000_000), reason: cleanText(1, 200).optional() }),
  z.strictObject({ ...base, type: z.literal('deduct_points'), points_type: z.string().min(1).max(64), amount: z.number().int().min(1).max(1_000_000_000), reason: cleanText(1, 200).optional() }),
  z.strictObject({ ...base, type: z.literal('issue_coupon'), template_id: z.string().min(1).max(64) }),
  z.strictObject({
    ...base,
    type: z.literal('send_message'),
    template: z.string().min(1).max(64),
    data: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.union([cleanText(0, 2000), z.number(), z.boolean()])).optional().describe('Template variables; a text "$trigger.<path>" takes the value from the triggering event'),
    channels: z.array(z.enum(['in_app', 'realtime', 'email', 'webhook'])).min(1).max(4).optional(),
  }),
  z.strictObject({ ...base, type: z.literal('award_badge'), badge_id: z.string().min(1).max(64) }),
  z.strictObject({ ...base, type: z.literal('call_webhook'), event_type: z.string().regex(/^automation\.[a-z0-9_.]{1,60}$/, 'automation.<name>').default('automation.webhook'), data: jsonObject({ maxBytes: 8192, what: 'data' }).optional() }),
  z.strictObject({ ...base, type: z.literal('set_traits'), traits: z.record(z.string().min(1).max(64), z.union([cleanText(0, 1000), z.number(), z.boolean(), z.null()])).refine((o) => Object.keys(o).length >= 1 && Object.keys(o).length <= 20, '1 to 20 traits') }),
]);
export type StepInput = z.infer<typeof Step>;

export const DefinitionBody = z.strictObject({
  trigger: z
    .strictObject({
      event: EventName.optional().describe('The event that enters users (give this or schedule)'),
      source: Source,
      conditions: ConditionsSchema.default({}),
      user: z.string().min(1).max(200).default('actor').describe('Who enters: "actor" (who did the event) or the payload path of a user id or a list of user ids (each enters)'),
      schedule: Schedule.optional().describe("Instead of an event: the audience enters at these times, in the workflow's time zone"),
      audience: z
        .strictObject({ traits: ConditionsSchema.default({}).describe("Conditions on the user's traits; {} = every known user (POST /v1/users)") })
        .optional()
        .describe('With a schedule: who enters at each time'),
    })
    .superRefine((t, c) => {
      if ((t.event === undefined) === (t.schedule === undefined)) c.addIssue({ code: 'custom', path: ['event'], message: 'give exactly one of event or schedule' });
      if (t.schedule && (t.user !== 'actor' || Object.keys(t.conditions).length > 0 || t.source !== undefined)) c.addIssue({ code: 'custom', path: ['schedule'], message: 'a scheduled trigger has no event: use audience instead of user, conditions and source' });
      if (t.audience && !t.schedule) c.addIssue({ code: 'custom', path: ['audience'], message: 'audience goes with a schedule; an event trigger enters its actor or user path' });
    }),
  entry: z
    .strictObject({
      reentry: z.enum(['once', 'after_exit', 'always']).default('after_exit').describe('once: a user enters at most once ever; after_exit: again once their run ended; always: every trigger event starts a run'),
      max_per_hour: z.number().int().min(1).max(1_000_000).nullable().default(null).describe('Most entries per hour across users; further triggers that hour are counted as throttled'),
    })
    .default({ reentry: 'after_exit', max_per_hour: null }),
  goal: z
    .strictObject({ ...EventMatch.shape, within_hours: z.number().int().min(1).max(24 * 366).default(168) })
    .nullable()
    .default(null)
    .describe('A run converts when its user does this event within this many hours of entering'),
  timezone: z.string().max(64).refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai').default('UTC'),
  steps: z.array(Step).min(1).max(50),
});
export type DefinitionInput = z.infer<typeof DefinitionBody>;

export const CreateWorkflowBody = z.strictObject({
  name: cleanText(1, 200),
  description: cleanText(0, 2000).nullish(),
  active: z.boolean().default(false).describe('Start taking entries now (else a draft)'),
  ...DefinitionBody.shape,
});
export type CreateWorkflowInput = z.infer<typeof CreateWorkflowBody>;

export const UpdateWorkflowBody = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(0, 2000).nullish(),
  definition: DefinitionBody.optional().describe('A new definition: a new version; runs in flight finish on theirs'),
});
export type UpdateWorkflowInput = z.infer<typeof UpdateWorkflowBody>;

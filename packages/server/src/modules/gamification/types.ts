import { z } from 'zod';
import { cleanText } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';
import { ConditionsSchema, UserChoiceSchema } from '../../lib/conditions.ts';
import { isTimeZone } from '../../lib/localtime.ts';
import { dateTime, localDate, month } from '../../http/fields.ts';

export const TypeKey = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a point type key (lowercase letters, digits, _)');
export const TimeZone = z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');
export const LocalDate = localDate();
export const Month = month();
export const Key = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be 1-64 lowercase letters, digits, _ . or -');
export const RequestId = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 visible ASCII characters')
  .describe('Makes the call happen once: a repeat returns the original result');
export const Reward = z.strictObject({ type: TypeKey, amount: z.number().int().min(1).max(1_000_000_000) });
export const Rewards = z.array(Reward).max(10);
const Conditions = ConditionsSchema;

export const UserParams = z.strictObject({ userId: externalId('userId') });
export const IdParams = z.strictObject({ id: z.string().min(1).max(64) });
export const UserIdParams = z.strictObject({ userId: externalId('userId'), id: z.string().min(1).max(64) });

/** The device a client reports (for per-device limits and multi-account detection). */
export const ClientHeaders = z.looseObject({
  'x-device-id': z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'must be visible ASCII').optional().describe('A stable id of the end user’s device, for per-device limits and multi-account detection'),
  'idempotency-key': z.string().max(255).optional().describe('Retry-safe key: a repeat with the same body returns the stored response'),
});

// ---- app configuration --------------------------------------------------------------------------

const Limit = z.strictObject({ max: z.number().int().min(1).max(1_000_000), window_seconds: z.number().int().min(1).max(31 * 86400) });
const ActionLimits = z.strictObject({ per_user: Limit.nullish(), per_ip: Limit.nullish(), per_device: Limit.nullish() });

export const ConfigBody = z.strictObject({
  timezone: TimeZone.default('Asia/Shanghai').describe('For users with no time zone, and for the daily reward budget day'),
  points_type: TypeKey.default('points').describe('Point type that check-in, daily rewards and level multipliers use'),
  growth_type: TypeKey.nullable().default('growth').describe('Point type whose balance decides levels; null = no levels'),
  checkin: z
    .strictObject({
      enabled: z.boolean().default(true),
      rewards: z.array(z.number().int().min(0).max(1_000_000)).min(1).max(31).default([10, 10, 15, 15, 20, 20, 50]).describe('Points for streak day 1, 2, …; the cycle repeats after the last (e.g. a day-7 bonus)'),
      growth: z.number().int().min(0).max(1_000_000).default(0).describe('Growth value per check-in'),
      makeup: z
        .strictObject({
          enabled: z.boolean().default(true),
          max_per_month: z.number().int().min(0).max(31).default(3),
          cost_points: z.number().int().min(1).max(1_000_000).nullable().default(50).describe('Price in points_type when paying with points; null = not allowed'),
          card_type: TypeKey.nullable().default('makeup_card').describe('Point type whose units are make-up cards (one per make-up); null = not allowed'),
        })
        .prefault({}),
    })
    .prefault({}),
  daily_reward: z
    .strictObject({
      enabled: z.boolean().default(false),
      min: z.number().int().min(1).max(1_000_000).default(1),
      max: z.number().int().min(1).max(1_000_000).default(10),
      daily_budget: z.number().int().min(1).max(1_000_000_000).nullable().default(null).describe('Most points all users get per day (app time zone); null = no limit'),
    })
    .prefault({})
    .refine((d) => d.min <= d.max, { message: 'min must not exceed max', path: ['min'] }),
  levels: z
    .strictObject({
      downgrade: z.enum(['never', 'periodic']).default('never').describe('periodic: a daily job re-reads each user’s growth every review_days and may lower the level'),
      review_days: z.number().int().min(1).max(3650).default(30),
    })
    .prefault({}),
  abuse: z
    .strictObject({
      checkin: ActionLimits.prefault({}),
      draw: ActionLimits.prefault({}),
      redeem: ActionLimits.prefault({}),
      daily_reward: ActionLimits.prefault({}),
      max_accounts_per_device: z.number().int().min(1).max(1000).default(3).describe('More users than this on one device raises a flag'),
      rapid_draws: z.strictObject({ count: z.number().int().min(2).max(10_000), window_seconds: z.number().int().min(1).max(3600) }).default({ count: 10, window_seconds: 10 }).describe('This many draws by one user within the window raises a flag'),
      block_flagged: z.boolean().default(false).describe('Block flagged users at once instead of waiting for an operator'),
    })
    .prefault({}),
});
export type GamificationConfig = z.infer<typeof ConfigBody>;
export type AbuseAction = 'checkin' | 'draw' | 'redeem' | 'daily_reward';

// ---- check-in -----------------------------------------------------------------------------------

export const MakeupBody = z.strictObject({
  date: LocalDate.describe("A missed day of the current month, in the user's time zone"),
  pay_with: z.enum(['card', 'points']).describe('A make-up card (one unit of checkin.makeup.card_type) or checkin.makeup.cost_points points'),
});
export type MakeupInput = z.infer<typeof MakeupBody>;

export const CalendarQuery = z.strictObject({ month: Month.optional().describe("Defaults to the user's current month") });

// ---- levels -------------------------------------------------------------------------------------

export const LevelsBody = z
  .strictObject({
    levels: z
      .array(
        z.strictObject({
          level: z.number().int().min(1).max(1000),
          name: cleanText(1, 100),
          threshold: z.number().int().min(0).max(1_000_000_000_000).describe('Growth value needed'),
          benefits: z
            .strictObject({
              points_multiplier: z.number().min(1).max(100).default(1).describe('Scales points from check-in and earn rules'),
              rewards: Rewards.default([]).describe('Granted once on first reaching the level'),
              perks: z.array(cleanText(1, 200)).max(20).default([]).describe('Descriptions shown to users'),
            })
            .prefault({}),
        }),
      )
      .max(100),
  })
  .superRefine((b, ctx) => {
    b.levels.forEach((l, i) => {
      if (l.level !== i + 1) ctx.addIssue({ code: 'custom', path: ['levels', i, 'level'], message: `must be ${i + 1}: levels are numbered 1, 2, 3… in order` });
      const prev = b.levels[i - 1];
      if (prev && l.threshold <= prev.threshold) ctx.addIssue({ code: 'custom', path: ['levels', i, 'threshold'], message: `must be greater than level ${prev.level}'s threshold (${prev.threshold})` });
    });
  });
export type LevelsInput = z.infer<typeof LevelsBody>;

// ---- badges -------------------------------------------------------------------------------------

export const BadgeCriteria = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('event_count'), event: z.string().min(1).max(200), count: z.number().int().min(1).max(1_000_000_000), user: UserChoiceSchema.optional().describe('Whose count: the actor (default), or e.g. "commentAuthorId" to count likes received') }),
  z.strictObject({ kind: z.literal('checkin_streak'), days: z.number().int().min(1).max(10_000) }),
  z.strictObject({ kind: z.literal('checkin_total'), days: z.number().int().min(1).max(100_000) }),
  z.strictObject({ kind: z.literal('level'), level: z.number().int().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('points_earned'), type: TypeKey, amount: z.number().int().min(1).max(1_000_000_000_000) }),
  z.strictObject({ kind: z.literal('manual') }),
]);

export const BadgeBody = z.strictObject({
  key: Key,
  name: cleanText(1, 100),
  description: cleanText(0, 1000).nullish(),
  icon_url: z.url().max(2000).nullish(),
  criteria: BadgeCriteria.describe('event_count: N tracked events of a name (gm.checkin, gm.draw, gm.redeem, gm.daily_reward count Canyu’s own); checkin_streak; checkin_total; level; points_earned (lifetime); manual'),
  rewards: Rewards.default([]),
  active: z.boolean().default(true),
  sort: z.number().int().min(-1_000_000).max(1_000_000).default(0),
});
export type BadgeInput = z.infer<typeof BadgeBody>;
// Patches list their fields without defaults: a field not sent never changes (zod 4 applies a
// `.default()` even inside `.partial()`, which would reset it).
export const BadgePatch = z.strictObject({
  name: cleanText(1, 100).optional(),
  description: cleanText(0, 1000).nullable().optional(),
  icon_url: z.url().max(2000).nullable().optional(),
  rewards: Rewards.optional(),
  active: z.boolean().optional(),
  sort: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type BadgePatchInput = z.infer<typeof BadgePatch>;

// ---- tasks --------------------------------------------------------------------------------------

export const TaskBody = z.strictObject({
  key: Key,
  name: cleanText(1, 200),
  description: cleanText(0, 1000).nullish(),
  period: z.enum(['once', 'daily', 'weekly']).describe("once: newcomer/one-off; daily and weekly reset at the user's local midnight / Monday"),
  event: z.string().min(1).max(200).describe('Event name that advances the task (gm.checkin, gm.draw, gm.redeem, gm.daily_reward for Canyu’s own)'),
  conditions: Conditions.default({}),
  user: UserChoiceSchema.default('actor'),
  target: z.number().int().min(1).max(1_000_000).default(1),
  rewards: Rewards.min(1),
  group: Key.nullish().describe('Tasks of a group in sort order form a growth path, e.g. newcomer'),
  sort: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  active: z.boolean().default(true),
});
export type TaskInput = z.infer<typeof TaskBody>;
export const TaskPatch = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(0, 1000).nullable().optional(),
  conditions: Conditions.optional(),
  user: UserChoiceSchema.optional(),
  target: z.number().int().min(1).max(1_000_000).optional(),
  rewards: Rewards.min(1).optional(),
  group: Key.nullable().optional(),
  sort: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  active: z.boolean().optional(),
});
export type TaskPatchInput = z.infer<typeof TaskPatch>;

// ---- lottery ------------------------------------------------------------------------------------

export const PrizeBody = z
  .strictObject({
    name: cleanText(1, 100),
    kind: z.enum(['points', 'item', 'none']).describe('points: credits reward_amount of reward_type; item: the host fulfils it; none: the "no prize" slot'),
    reward_type: TypeKey.nullish(),
    reward_amount: z.number().int().min(1).max(1_000_000_000).nullish(),
    weight: z.number().int().min(0).max(1_000_000_000).describe('Relative odds: probability = weight / sum of weights'),
    stock: z.number().int().min(0).max(1_000_000_000).nullish().describe('null = unlimited'),
    value: z.number().int().min(0).max(1_000_000_000).nullish().describe('Counted against the lottery budget; defaults to reward_amount for points prizes'),
    sort: z.number().int().min(-1_000_000).max(1_000_000).optional().describe('Order of the prizes (and of their ranges for the roll); defaults to the order given'),
  })
  .superRefine((p, ctx) => {
    if (p.kind === 'points' && (!p.reward_type || !p.reward_amount)) ctx.addIssue({ code: 'custom', path: ['reward_type'], message: 'points prizes need reward_type and reward_amount' });
    if (p.kind !== 'points' && (p.reward_type || p.reward_amount)) ctx.addIssue({ code: 'custom', path: ['reward_type'], message: 'only points prizes carry reward_type and reward_amount' });
  });
export type PrizeInput = z.infer<typeof PrizeBody>;

export const PrizePatch = z.strictObject({
  name: cleanText(1, 100).optional(),
  weight: z.number().int().min(0).max(1_000_000_000).optional(),
  stock: z.number().int().min(0).max(1_000_000_000).nullable().optional().describe('Sets the remaining stock'),
  value: z.number().int().min(0).max(1_000_000_000).optional(),
  sort: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type PrizePatchInput = z.infer<typeof PrizePatch>;

const LotteryFields = {
  name: cleanText(1, 200),
  description: cleanText(0, 2000).nullish(),
  cost_type: TypeKey.nullish().describe('Point type a draw costs; null with cost 0 = free'),
  cost: z.number().int().min(0).max(1_000_000_000).default(0),
  daily_limit: z.number().int().min(1).max(100_000).nullish().describe("Draws per user per day (user's time zone)"),
  segment: z.string().min(1).max(128).nullish().describe('Only members of this segment (GET /v1/segments) may draw; others are refused with 403 lottery.not_eligible'),
  budget: z.number().int().min(0).max(1_000_000_000_000).nullish().describe('Total prize value the lottery may give; null = unlimited'),
  starts_at: dateTime().nullish(),
  ends_at: dateTime().nullish(),
  status: z.enum(['active', 'paused', 'ended']).default('active'),
};

export const LotteryBody = z
  .strictObject({ ...LotteryFields, prizes: z.array(PrizeBody).min(1).max(50) })
  .superRefine((l, ctx) => {
    if (l.cost > 0 && !l.cost_type) ctx.addIssue({ code: 'custom', path: ['cost_type'], message: 'a draw that costs points needs cost_type' });
    if (!l.prizes.some((p) => p.weight > 0)) ctx.addIssue({ code: 'custom', path: ['prizes'], message: 'at least one prize needs a weight above 0' });
  });
export type LotteryInput = z.infer<typeof LotteryBody>;

export const LotteryPatch = z.strictObject({
  name: LotteryFields.name.optional(),
  description: cleanText(0, 2000).nullable().optional(),
  cost_type: TypeKey.nullable().optional(),
  cost: z.number().int().min(0).max(1_000_000_000).optional(),
  daily_limit: z.number().int().min(1).max(100_000).nullable().optional(),
  segment: z.string().min(1).max(128).nullable().optional(),
  budget: z.number().int().min(0).max(1_000_000_000_000).nullable().optional(),
  starts_at: dateTime().nullable().optional(),
  ends_at: dateTime().nullable().optional(),
  status: z.enum(['active', 'paused', 'ended']).optional(),
});
export type LotteryPatchInput = z.infer<typeof LotteryPatch>;

export const DrawBody = z.strictObject({ request_id: RequestId.optional() });

// ---- mall ---------------------------------------------------------------------------------------

export const ItemBody = z
  .strictObject({
    name: cleanText(1, 200),
    description: cleanText(0, 2000).nullish(),
    image_url: z.url().max(2000).nullish(),
    kind: z.enum(['virtual', 'physical']).describe('physical orders wait for shipping; virtual orders are fulfilled at once'),
    price_type: TypeKey,
    price: z.number().int().min(1).max(1_000_000_000),
    stock: z.number().int().min(0).max(1_000_000_000).nullish().describe('null = unlimited'),
    per_user_limit: z.number().int().min(1).max(1_000_000).nullish(),
    grant: Reward.nullish().describe('Virtual items only: credited on redemption (e.g. a make-up card)'),
    active: z.boolean().default(true),
    sort: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  })
  .superRefine((i, ctx) => {
    if (i.grant && i.kind !== 'virtual') ctx.addIssue({ code: 'custom', path: ['grant'], message: 'only virtual items can grant points' });
  });
export type ItemInput = z.infer<typeof ItemBody>;

export const ItemPatch = z.strictObject({
  name: cleanText(1, 200).optional(),
  description: cleanText(0, 2000).nullable().optional(),
  image_url: z.url().max(2000).nullable().optional(),
  price: z.number().int().min(1).max(1_000_000_000).optional(),
  stock: z.number().int().min(0).max(1_000_000_000).nullable().optional().describe('Sets the remaining stock'),
  per_user_limit: z.number().int().min(1).max(1_000_000).nullable().optional(),
  active: z.boolean().optional(),
  sort: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type ItemPatchInput = z.infer<typeof ItemPatch>;

export const Shipping = z.strictObject({ name: cleanText(1, 100), phone: cleanText(3, 40), address: cleanText(1, 500), postcode: cleanText(0, 20).optional() });

export const RedeemBody = z.strictObject({
  item_id: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(100).default(1),
  shipping: Shipping.optional().describe('Required for physical items'),
  request_id: RequestId.optional(),
});
export type RedeemInput = z.infer<typeof RedeemBody>;

export const OrderPatch = z.strictObject({
  status: z.enum(['shipped', 'completed', 'cancelled']).describe('pending → shipped → completed; pending or shipped → cancelled (points refunded, stock restored)'),
  tracking: cleanText(1, 200).optional(),
  reason: cleanText(1, 500).optional(),
});
export type OrderPatchInput = z.infer<typeof OrderPatch>;

// ---- abuse --------------------------------------------------------------------------------------

export const FlagResolveBody = z.strictObject({ action: z.enum(['dismiss', 'block']), note: cleanText(1, 1000).optional() });

// The campaign creation wizard (antd Steps): kind → basics (name, period, budget, per-user limit)
// → the kind's settings (flash-sale sessions with their items and stock; 拼团 group buy; 砍价
// bargain; presale deposit and final-payment windows; crowdfunding goal and tiers; referral
// qualifying event and what the inviter and the invitee each get: points, coupons, and anything
// the host fulfils) → review, then create it as a draft or create and schedule it at once. A
// coupon campaign is a coupon template issued to users: the wizard hands over to CouponWizard.
// The session and item fields (and their request bodies) are shared with the campaign card,
// where sessions and items are added to a flash sale after its creation.
import { useMutation, useQuery } from '@tanstack/react-query';
import { App, Button, Card, Col, DatePicker, Descriptions, Form, Input, InputNumber, Row, Select, Space, Steps, Switch, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { showFieldErrors, type FieldMap } from '../components/fieldErrors.ts';
import { errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ApiError, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { CouponWizard } from './CampaignCoupons.tsx';

type Campaign = Schemas['Campaign'];
export type WizardKind = Campaign['kind'] | 'coupon';
export const WIZARD_KINDS: WizardKind[] = ['flash_sale', 'coupon', 'group_buy', 'bargain', 'presale', 'crowdfunding', 'referral'];
export const kindLabel = (k: WizardKind) => `campaigns.kinds.${k}` as MessageKey;
const kindHelp = (k: WizardKind) => `wizard.kindHelp.${k}` as MessageKey;

type Range = [Dayjs, Dayjs];
export type ItemDraft = { product_id: string; name?: string; original_price: number; sale_price: number; stock: number; per_user_limit?: number };
export type SessionDraft = { name?: string; period: Range; token_required?: boolean; token_opens_minutes?: number; items?: ItemDraft[] };
type Side = 'inviter' | 'invitee';
type PointDraft = { type?: string; amount?: number };
type Values = {
  name: string;
  description?: string;
  period: Range;
  budget?: number;
  per_user_limit?: number;
  sessions?: SessionDraft[];
  product_id?: string;
  original_price?: number;
  group_price?: number;
  team_size?: number;
  team_ttl_hours?: number;
  auto_fill?: boolean;
  floor_price?: number;
  max_cuts?: number;
  min_cut?: number;
  max_cut?: number;
  new_user_multiplier?: number;
  bargain_ttl_hours?: number;
  price?: number;
  deposit?: number;
  deposit_value?: number;
  deposit_window?: Range;
  final_window?: Range;
  goal_type?: 'amount' | 'backers';
  goal?: number;
  tiers?: { id: string; name: string; amount: number; limit?: number }[];
  qualifying_event?: string;
  attribution_window_days?: number;
  reward_cost?: number;
  max_rewards_per_inviter?: number;
  inviter_points?: PointDraft[];
  inviter_coupons?: string[];
  inviter_host?: string;
  invitee_points?: PointDraft[];
  invitee_coupons?: string[];
  invitee_host?: string;
};

/** Yuan (as typed) to minor units (分). */
const minor = (v: number | undefined | null) => Math.round((v ?? 0) * 100);
const iso = (d: Dayjs) => d.toISOString();

/** The body of POST /v1/campaigns/{campaignId}/flash-sale/sessions. */
export const sessionBody = (s: SessionDraft) => ({
  ...(s.name?.trim() ? { name: s.name.trim() } : {}),
  starts_at: iso(s.period[0]),
  ends_at: iso(s.period[1]),
  ...(s.token_required ? { token_required: true, ...(s.token_opens_minutes ? { token_opens_minutes: s.token_opens_minutes } : {}) } : {}),
});

/** The body of POST /v1/flash-sale/sessions/{sessionId}/items (prices typed in yuan). */
export const itemBody = (i: ItemDraft) => ({
  product_id: i.product_id.trim(),
  ...(i.name?.trim() ? { name: i.name.trim() } : {}),
  original_price: minor(i.original_price),
  sale_price: minor(i.sale_price),
  stock: i.stock,
  ...(i.per_user_limit ? { per_user_limit: i.per_user_limit } : {}),
});

/** One side's reward as ReferralSettings takes it; `host` is JSON text the form has checked. */
function rewardOf(v: Values, side: Side) {
  const host = v[`${side}_host`]?.trim();
  return {
    points: (v[`${side}_points`] ?? []).filter((p) => p?.type && p.amount).map((p) => ({ type: p.type!, amount: p.amount! })),
    coupons: v[`${side}_coupons`] ?? [],
    ...(host ? { host: JSON.parse(host) as Record<string, unknown> } : {}),
  };
}

function settingsOf(kind: Campaign['kind'], v: Values): Record<string, unknown> | undefined {
  switch (kind) {
    case 'group_buy':
      return { product_id: v.product_id, original_price: minor(v.original_price), group_price: minor(v.group_price), team_size: v.team_size, team_ttl_seconds: Math.round((v.team_ttl_hours ?? 24) * 3600), auto_fill: !!v.auto_fill };
    case 'bargain':
      return {
        product_id: v.product_id,
        original_price: minor(v.original_price),
        floor_price: minor(v.floor_price),
        max_cuts: v.max_cuts,
        min_cut: Math.max(1, minor(v.min_cut)),
        max_cut: minor(v.max_cut),
        new_user_multiplier: v.new_user_multiplier ?? 2,
        bargain_ttl_seconds: Math.round((v.bargain_ttl_hours ?? 24) * 3600),
      };
    case 'presale':
      return {
        product_id: v.product_id,
        price: minor(v.price),
        deposit: minor(v.deposit),
        deposit_value: minor(v.deposit_value),
        deposit_starts_at: iso(v.deposit_window![0]),
        deposit_ends_at: iso(v.deposit_window![1]),
        final_starts_at: iso(v.final_window![0]),
        final_ends_at: iso(v.final_window![1]),
      };
    case 'crowdfunding':
      return { goal_type: v.goal_type, goal: v.goal_type === 'amount' ? minor(v.goal) : v.goal, tiers: (v.tiers ?? []).map((x) => ({ id: x.id, name: x.name, amount: minor(x.amount), ...(x.limit ? { limit: x.limit } : {}) })) };
    case 'referral':
      return {
        qualifying_event: v.qualifying_event,
        attribution_window_days: v.attribution_window_days ?? 30,
        inviter_reward: rewardOf(v, 'inviter'),
        invitee_reward: rewardOf(v, 'invitee'),
        ...(v.max_rewards_per_inviter ? { max_rewards_per_inviter: v.max_rewards_per_inviter } : {}),
        reward_cost: minor(v.reward_cost),
      };
    default:
      return undefined;
  }
}

const req = (t: (k: MessageKey) => string) => [{ required: true, message: t('common.required') }];
const yuan = { min: 0, precision: 2, style: { width: 140 } } as const;

/** Where a field sits: [list index, name] inside the wizard's lists, [name] in a form of its own. */
type At = (name: string) => (string | number)[];

/** A session's name, period and purchase-token gate; `tid` prefixes the test ids. */
export function SessionFields({ at, tid }: { at: At; tid: string }) {
  const { t } = useI18n();
  return (
    <Space wrap align="start">
      <Form.Item name={at('name')} label={t('wizard.sessionName')}>
        <Input data-testid={`${tid}-name`} placeholder="10:00" maxLength={200} style={{ width: 180 }} />
      </Form.Item>
      <Form.Item name={at('period')} label={t('wizard.sessionPeriod')} rules={req(t)}>
        <DatePicker.RangePicker showTime data-testid={`${tid}-period`} />
      </Form.Item>
      <Form.Item name={at('token_required')} label={t('wizard.tokenRequired')} valuePropName="checked">
        <Switch size="small" />
      </Form.Item>
      <Form.Item name={at('token_opens_minutes')} label={t('wizard.tokenOpensMinutes')}>
        <InputNumber min={1} max={7 * 24 * 60} precision={0} placeholder="30" style={{ width: 120 }} />
      </Form.Item>
    </Space>
  );
}

/** An item of a session: product, prices in yuan, stock and per-user limit; `tid` prefixes the test ids. */
export function ItemFields({ at, tid }: { at: At; tid: string }) {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name={at('product_id')} label={t('wizard.productId')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
        <Input data-testid={`${tid}-product`} maxLength={200} style={{ width: 140 }} />
      </Form.Item>
      <Form.Item name={at('name')} label={t('wizard.itemName')}>
        <Input data-testid={`${tid}-name`} maxLength={200} style={{ width: 160 }} />
      </Form.Item>
      <Form.Item name={at('original_price')} label={t('wizard.originalPrice')} rules={req(t)}>
        <InputNumber data-testid={`${tid}-original`} {...yuan} style={{ width: 110 }} />
      </Form.Item>
      <Form.Item name={at('sale_price')} label={t('wizard.salePrice')} rules={req(t)}>
        <InputNumber data-testid={`${tid}-sale`} {...yuan} style={{ width: 110 }} />
      </Form.Item>
      <Form.Item name={at('stock')} label={t('wizard.stock')} rules={req(t)}>
        <InputNumber data-testid={`${tid}-stock`} min={1} max={10_000_000} precision={0} style={{ width: 100 }} />
      </Form.Item>
      <Form.Item name={at('per_user_limit')} label={t('wizard.itemLimit')}>
        <InputNumber data-testid={`${tid}-limit`} min={1} max={1000} precision={0} style={{ width: 90 }} />
      </Form.Item>
    </>
  );
}

function FlashSaleSettings() {
  const { t } = useI18n();
  return (
    <Form.List name="sessions">
      {(sessions, s) => (
        <Space direction="vertical" style={{ width: '100%' }}>
          {sessions.map((sf, si) => (
            <Card key={sf.key} size="small" title={t('wizard.session', { n: si + 1 })} extra={sessions.length > 1 ? <Button size="small" danger onClick={() => s.remove(sf.name)}>{t('wizard.remove')}</Button> : null}>
              <SessionFields at={(k) => [sf.name, k]} tid={`wizard-s${si + 1}`} />
              <Form.List name={[sf.name, 'items']}>
                {(items, it) => (
                  <Space direction="vertical" style={{ width: '100%' }}>
                    {items.map((f, ii) => (
                      <Space key={f.key} wrap align="start" data-testid="wizard-item">
                        <ItemFields at={(k) => [f.name, k]} tid={`wizard-s${si + 1}-i${ii + 1}`} />
                        {items.length > 1 ? (
                          <Button size="small" type="link" danger style={{ marginTop: 30 }} onClick={() => it.remove(f.name)}>
                            {t('wizard.remove')}
                          </Button>
                        ) : null}
                      </Space>
                    ))}
                    <Button size="small" type="dashed" data-testid={`wizard-s${si + 1}-add-item`} onClick={() => it.add({})}>
                      {t('wizard.addItem')}
                    </Button>
                  </Space>
                )}
              </Form.List>
            </Card>
          ))}
          <Button type="dashed" data-testid="wizard-add-session" onClick={() => s.add({ items: [{}] })}>
            {t('wizard.addSession')}
          </Button>
        </Space>
      )}
    </Form.List>
  );
}

function KindSettings({ kind }: { kind: Campaign['kind'] }) {
  const { t } = useI18n();
  if (kind === 'flash_sale') return <FlashSaleSettings />;
  const product = (
    <Form.Item name="product_id" label={t('wizard.productId')} rules={req(t)}>
      <Input data-testid="wizard-product" style={{ width: 200 }} />
    </Form.Item>
  );
  if (kind === 'group_buy')
    return (
      <Space wrap>
        {product}
        <Form.Item name="original_price" label={t('wizard.originalPrice')} rules={req(t)}><InputNumber data-testid="wizard-original" {...yuan} /></Form.Item>
        <Form.Item name="group_price" label={t('wizard.groupPrice')} rules={req(t)}><InputNumber data-testid="wizard-group-price" {...yuan} /></Form.Item>
        <Form.Item name="team_size" label={t('wizard.teamSize')} rules={req(t)}><InputNumber data-testid="wizard-team-size" min={2} max={100} precision={0} /></Form.Item>
        <Form.Item name="team_ttl_hours" label={t('wizard.teamHours')}><InputNumber min={1} max={720} /></Form.Item>
        <Form.Item name="auto_fill" label={t('wizard.autoFill')} valuePropName="checked"><Switch /></Form.Item>
      </Space>
    );
  if (kind === 'bargain')
    return (
      <Space wrap>
        {product}
        <Form.Item name="original_price" label={t('wizard.originalPrice')} rules={req(t)}><InputNumber data-testid="wizard-original" {...yuan} /></Form.Item>
        <Form.Item name="floor_price" label={t('wizard.floorPrice')} rules={req(t)}><InputNumber data-testid="wizard-floor" {...yuan} /></Form.Item>
        <Form.Item name="max_cuts" label={t('wizard.maxCuts')} rules={req(t)}><InputNumber data-testid="wizard-max-cuts" min={1} max={1000} precision={0} /></Form.Item>
        <Form.Item name="min_cut" label={t('wizard.minCut')}><InputNumber {...yuan} /></Form.Item>
        <Form.Item name="max_cut" label={t('wizard.maxCut')} rules={req(t)}><InputNumber data-testid="wizard-max-cut" {...yuan} /></Form.Item>
        <Form.Item name="new_user_multiplier" label={t('wizard.newUserMultiplier')}><InputNumber min={1} max={10} /></Form.Item>
        <Form.Item name="bargain_ttl_hours" label={t('wizard.bargainHours')}><InputNumber min={1} max={720} /></Form.Item>
      </Space>
    );
  if (kind === 'presale')
    return (
      <Space wrap>
        {product}
        <Form.Item name="price" label={t('wizard.price')} rules={req(t)}><InputNumber data-testid="wizard-price" {...yuan} /></Form.Item>
        <Form.Item name="deposit" label={t('wizard.deposit')} rules={req(t)}><InputNumber data-testid="wizard-deposit" {...yuan} /></Form.Item>
        <Form.Item name="deposit_value" label={t('wizard.depositValue')} rules={req(t)}><InputNumber data-testid="wizard-deposit-value" {...yuan} /></Form.Item>
        <Form.Item name="deposit_window" label={t('wizard.depositWindow')} rules={req(t)}><DatePicker.RangePicker showTime /></Form.Item>
        <Form.Item name="final_window" label={t('wizard.finalWindow')} rules={req(t)}><DatePicker.RangePicker showTime /></Form.Item>
      </Space>
    );
  if (kind === 'crowdfunding')
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <Form.Item name="goal_type" label={t('wizard.goalType')}>
            <Select style={{ width: 160 }} options={[{ value: 'amount', label: t('wizard.goalAmount') }, { value: 'backers', label: t('wizard.goalBackers') }]} />
          </Form.Item>
          <Form.Item name="goal" label={t('wizard.goal')} rules={req(t)}><InputNumber data-testid="wizard-goal" min={1} /></Form.Item>
        </Space>
        <Form.List name="tiers">
          {(tiers, tl) => (
            <>
              {tiers.map((f, ti) => (
                <Space key={f.key} wrap>
                  <Form.Item name={[f.name, 'id']} label={t('wizard.tierId')} rules={[...req(t), { pattern: /^[a-z0-9_-]+$/, message: 'a-z 0-9 _ -' }]}><Input style={{ width: 120 }} /></Form.Item>
                  <Form.Item name={[f.name, 'name']} label={t('wizard.tierName')} rules={req(t)}><Input data-testid={`wizard-tier${ti + 1}-name`} style={{ width: 180 }} /></Form.Item>
                  <Form.Item name={[f.name, 'amount']} label={t('wizard.tierAmount')} rules={req(t)}><InputNumber data-testid={`wizard-tier${ti + 1}-amount`} {...yuan} /></Form.Item>
                  <Form.Item name={[f.name, 'limit']} label={t('wizard.tierLimit')}><InputNumber min={1} precision={0} /></Form.Item>
                  {tiers.length > 1 ? <Button size="small" type="link" danger onClick={() => tl.remove(f.name)}>{t('wizard.remove')}</Button> : null}
                </Space>
              ))}
              <Button size="small" type="dashed" onClick={() => tl.add({})}>{t('wizard.addTier')}</Button>
            </>
          )}
        </Form.List>
      </Space>
    );
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Form.Item name="qualifying_event" label={t('wizard.qualifyingEvent')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}><Input data-testid="wizard-qualifying-event" placeholder="order.paid" maxLength={200} style={{ width: 200 }} /></Form.Item>
        <Form.Item name="attribution_window_days" label={t('wizard.attributionDays')}><InputNumber min={1} max={365} precision={0} /></Form.Item>
        <Form.Item name="reward_cost" label={t('wizard.rewardCost')}><InputNumber {...yuan} /></Form.Item>
        <Form.Item name="max_rewards_per_inviter" label={t('wizard.maxRewardsPerInviter')} extra={t('wizard.maxRewardsPerInviterHelp')}><InputNumber data-testid="wizard-max-rewards" min={1} max={1_000_000} precision={0} /></Form.Item>
      </Space>
      <Row gutter={12}>
        <Col span={12}><RewardFields side="inviter" /></Col>
        <Col span={12}><RewardFields side="invitee" /></Col>
      </Row>
    </Space>
  );
}

/** The app's point types and active coupon templates, the choices of a referral reward. */
function useRewardChoices() {
  const { appId } = useCurrent();
  const query = { limit: 200, status: 'active' } as const;
  const types = useQuery({ queryKey: ['gm', 'pointTypes', appId], queryFn: () => ok(api.GET('/v1/points/types')) });
  const templates = useQuery({ queryKey: ['coupons.templates', appId, query], queryFn: () => ok(api.GET('/v1/coupon-templates', { params: { query } })) });
  return { types: types.data?.data ?? [], templates: templates.data?.data ?? [] };
}

const MAX_REWARDS = 10;
const HOST_MAX_BYTES = 4096;

/** What one side of a referral gets: points (each type once), coupon templates, and a JSON object for the host. */
function RewardFields({ side }: { side: Side }) {
  const { t } = useI18n();
  const { types, templates } = useRewardChoices();
  return (
    <Card size="small" title={t(side === 'inviter' ? 'wizard.inviterReward' : 'wizard.inviteeReward')} data-testid={`wizard-${side}-reward`}>
      <Form.List name={`${side}_points`}>
        {(rows, op) => (
          <>
            {rows.map((f, i) => (
              <Space key={f.key} wrap align="start">
                <Form.Item
                  name={[f.name, 'type']}
                  label={t('wizard.pointType')}
                  rules={[
                    ...req(t),
                    ({ getFieldValue }) => ({
                      validator: async (_: unknown, v?: string) => {
                        const all = (getFieldValue(`${side}_points`) ?? []) as PointDraft[];
                        if (v && all.filter((p) => p?.type === v).length > 1) throw new Error(t('wizard.pointTypeTwice'));
                      },
                    }),
                  ]}
                >
                  <Select
                    data-testid={`wizard-${side}-points${i + 1}-type`}
                    showSearch
                    optionFilterProp="label"
                    style={{ width: 170 }}
                    notFoundContent={t('wizard.noPointTypes')}
                    options={types.map((p) => ({ value: p.key, label: p.name && p.name !== p.key ? `${p.name} (${p.key})` : p.key }))}
                  />
                </Form.Item>
                <Form.Item name={[f.name, 'amount']} label={t('wizard.pointAmount')} rules={[{ required: true, message: t('wizard.pointAmountRule') }]}>
                  <InputNumber data-testid={`wizard-${side}-points${i + 1}-amount`} min={1} max={1_000_000_000} precision={0} style={{ width: 110 }} />
                </Form.Item>
                <Button size="small" type="link" danger style={{ marginTop: 30 }} onClick={() => op.remove(f.name)}>
                  {t('wizard.remove')}
                </Button>
              </Space>
            ))}
            <Button size="small" type="dashed" disabled={rows.length >= MAX_REWARDS} data-testid={`wizard-${side}-add-points`} onClick={() => op.add({})}>
              {t('wizard.addPoints')}
            </Button>
          </>
        )}
      </Form.List>
      <Form.Item name={`${side}_coupons`} label={t('wizard.rewardCoupons')} style={{ marginTop: 12 }} rules={[{ type: 'array', max: MAX_REWARDS, message: t('wizard.rewardCouponsMax') }]}>
        <Select
          mode="multiple"
          data-testid={`wizard-${side}-coupons`}
          optionFilterProp="label"
          notFoundContent={t('wizard.noCouponTemplates')}
          options={templates.map((x) => ({ value: x.id, label: x.name }))}
        />
      </Form.Item>
      <Form.Item
        name={`${side}_host`}
        label={t('wizard.rewardHost')}
        extra={t('wizard.rewardHostHelp')}
        rules={[
          {
            validator: async (_: unknown, v?: string) => {
              if (!v?.trim()) return;
              let o: unknown;
              try {
                o = JSON.parse(v);
              } catch {
                throw new Error(t('wizard.rewardHostInvalid'));
              }
              if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error(t('wizard.rewardHostInvalid'));
              if (new TextEncoder().encode(JSON.stringify(o)).length > HOST_MAX_BYTES) throw new Error(t('wizard.rewardHostTooLong'));
            },
          },
        ]}
      >
        <Input.TextArea data-testid={`wizard-${side}-host`} rows={2} placeholder='{"vip_days":7}' />
      </Form.Item>
    </Card>
  );
}

/** One side's reward in the review: points, coupon template names, what the host fulfils. */
function RewardSummary({ v, side }: { v: Values; side: Side }) {
  const { t } = useI18n();
  const { templates } = useRewardChoices();
  const r = rewardOf(v, side);
  const parts = [
    ...r.points.map((p) => `${p.type} × ${p.amount}`),
    ...r.coupons.map((id) => templates.find((x) => x.id === id)?.name ?? id),
    ...(r.host ? [JSON.stringify(r.host)] : []),
  ];
  return <span data-testid={`wizard-review-${side}`}>{parts.length ? parts.join('；') : t('wizard.noReward')}</span>;
}

/**
 * Where the server's settings issues (`body.settings.inviter_reward.points.0.type`) go on the
 * settings step: the form names of the same values (`inviter_points[0].type`).
 */
const SETTINGS_RENAME: Record<string, string> = {
  team_ttl_seconds: 'team_ttl_hours',
  bargain_ttl_seconds: 'bargain_ttl_hours',
  deposit_starts_at: 'deposit_window',
  deposit_ends_at: 'deposit_window',
  final_starts_at: 'final_window',
  final_ends_at: 'final_window',
};
function settingsFields(e: unknown): FieldMap | null {
  const issues = e instanceof ApiError ? ((e.details as { issues?: { field?: unknown }[] } | null)?.issues ?? []) : [];
  const map: FieldMap = {};
  for (const { field } of issues) {
    if (typeof field !== 'string' || !field.startsWith('body.settings.')) continue;
    const [head = '', ...rest] = field.slice('body.settings.'.length).split('.');
    const side = /^(inviter|invitee)_reward$/.exec(head)?.[1];
    if (side) map[field] = rest[0] === 'points' && rest[1] !== undefined ? [`${side}_points`, Number(rest[1]), rest[2] ?? 'type'] : [`${side}_${rest[0] ?? 'host'}`];
    else if (head === 'tiers' && rest[0] !== undefined) map[field] = ['tiers', Number(rest[0]), rest[1] ?? 'name'];
    else map[field] = [SETTINGS_RENAME[head] ?? head];
  }
  return Object.keys(map).length ? map : null;
}

export function CampaignWizard({ onDone }: { onDone: (c: Campaign | null) => void }) {
  const { t, date } = useI18n();
  const { message } = App.useApp();
  const [step, setStep] = useState(0);
  const [kind, setKind] = useState<WizardKind | null>(null);
  const [form] = Form.useForm<Values>();
  const fail = (e: unknown) => void message.error(errorText(e));
  const [refused, setRefused] = useState<{ e: unknown; map: FieldMap } | null>(null);
  const create = useMutation({
    mutationFn: async (schedule: boolean) => {
      const v = form.getFieldsValue(true) as Values;
      const k = kind as Campaign['kind'];
      const settings = settingsOf(k, v);
      const c = await ok(
        api.POST('/v1/campaigns', {
          body: {
            kind: k,
            name: v.name.trim(),
            ...(v.description?.trim() ? { description: v.description.trim() } : {}),
            starts_at: iso(v.period[0]),
            ends_at: iso(v.period[1]),
            ...(v.budget ? { budget: minor(v.budget) } : {}),
            ...(v.per_user_limit ? { per_user_limit: v.per_user_limit } : {}),
            ...(settings ? { settings } : {}),
          },
        }),
      );
      if (k === 'flash_sale') {
        for (const s of v.sessions ?? []) {
          const session = await ok(api.POST('/v1/campaigns/{campaignId}/flash-sale/sessions', { params: { path: { campaignId: c.id } }, body: sessionBody(s) }));
          for (const i of s.items ?? []) await ok(api.POST('/v1/flash-sale/sessions/{sessionId}/items', { params: { path: { sessionId: session.id } }, body: itemBody(i) }));
        }
      }
      return schedule ? ok(api.POST('/v1/campaigns/{campaignId}/schedule', { params: { path: { campaignId: c.id } } })) : c;
    },
    onSuccess: (c) => {
      void message.success(t(c.status === 'draft' ? 'wizard.createdDraft' : 'wizard.createdScheduled'));
      onDone(c);
    },
    onError: (e) => {
      // Settings the server refused are shown on the settings step, under their fields.
      const map = settingsFields(e);
      if (map) {
        setRefused({ e, map });
        setStep(2);
      }
      fail(e);
    },
  });
  useEffect(() => {
    if (step !== 2 || !refused) return;
    showFieldErrors(form, refused.e, refused.map);
    setRefused(null);
  }, [step, refused, form]);
  if (kind === 'coupon') return <CouponWizard onDone={() => onDone(null)} onBack={() => setKind(null)} />;
  const now = dayjs().startOf('minute');
  const next = async () => {
    try {
      await form.validateFields();
      setStep((s) => s + 1);
    } catch {
      // the form shows what is missing
    }
  };
  const v = form.getFieldsValue(true) as Values;
  const steps = [t('wizard.stepKind'), t('wizard.stepBasics'), t('wizard.stepSettings'), t('wizard.stepReview')];
  return (
    <div data-testid="campaign-wizard">
      <Steps current={step} items={steps.map((title) => ({ title }))} style={{ marginBottom: 24 }} />
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{
          period: [now, now.add(7, 'day')],
          sessions: [{ period: [now, now.add(2, 'hour')], items: [{ stock: 100 }] }],
          team_size: 3,
          team_ttl_hours: 24,
          max_cuts: 10,
          min_cut: 0.01,
          new_user_multiplier: 2,
          bargain_ttl_hours: 24,
          deposit_window: [now, now.add(3, 'day')],
          final_window: [now.add(3, 'day'), now.add(7, 'day')],
          goal_type: 'amount',
          tiers: [{ id: 'basic', name: '', amount: undefined }],
          attribution_window_days: 30,
        }}
      >
        {step === 0 ? (
          <Row gutter={[12, 12]}>
            {WIZARD_KINDS.map((k) => (
              <Col span={8} key={k}>
                <Card
                  hoverable
                  size="small"
                  data-testid={`wizard-kind-${k}`}
                  onClick={() => {
                    setKind(k);
                    if (k !== 'coupon') setStep(1);
                  }}
                  style={{ height: '100%', borderColor: kind === k ? '#d4380d' : undefined }}
                >
                  <Typography.Text strong>{t(kindLabel(k))}</Typography.Text>
                  <br />
                  <Typography.Text type="secondary">{t(kindHelp(k))}</Typography.Text>
                </Card>
              </Col>
            ))}
          </Row>
        ) : null}
        {step === 1 ? (
          <>
            <Form.Item name="name" label={t('campaigns.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
              <Input data-testid="wizard-name" maxLength={200} />
            </Form.Item>
            <Form.Item name="description" label={t('wizard.description')}>
              <Input.TextArea rows={2} maxLength={5000} />
            </Form.Item>
            <Space wrap>
              <Form.Item name="period" label={t('campaigns.period')} rules={req(t)}>
                <DatePicker.RangePicker showTime data-testid="wizard-period" />
              </Form.Item>
              <Form.Item name="budget" label={t('wizard.budget')} extra={t('wizard.budgetHelp')}>
                <InputNumber {...yuan} />
              </Form.Item>
              <Form.Item name="per_user_limit" label={t('wizard.perUserLimit')}>
                <InputNumber min={1} precision={0} />
              </Form.Item>
            </Space>
          </>
        ) : null}
        {step === 2 && kind ? <KindSettings kind={kind} /> : null}
        {step === 3 && kind ? (
          <Descriptions bordered size="small" column={1} data-testid="wizard-review">
            <Descriptions.Item label={t('campaigns.kind')}>{t(kindLabel(kind))}</Descriptions.Item>
            <Descriptions.Item label={t('campaigns.name')}>{v.name}</Descriptions.Item>
            <Descriptions.Item label={t('campaigns.period')}>{`${date(v.period?.[0]?.toISOString())} – ${date(v.period?.[1]?.toISOString())}`}</Descriptions.Item>
            <Descriptions.Item label={t('wizard.budget')}>{v.budget ? v.budget.toFixed(2) : t('wizard.unlimited')}</Descriptions.Item>
            {kind === 'flash_sale'
              ? (v.sessions ?? []).map((s, i) => (
                  <Descriptions.Item key={i} label={t('wizard.session', { n: i + 1 })}>
                    {(s.items ?? []).map((it) => `${it.name || it.product_id} · ¥${(it.sale_price ?? 0).toFixed(2)} × ${it.stock}`).join('；')}
                  </Descriptions.Item>
                ))
              : null}
            {kind === 'referral' ? (
              <>
                <Descriptions.Item label={t('wizard.inviterReward')}><RewardSummary v={v} side="inviter" /></Descriptions.Item>
                <Descriptions.Item label={t('wizard.inviteeReward')}><RewardSummary v={v} side="invitee" /></Descriptions.Item>
              </>
            ) : null}
          </Descriptions>
        ) : null}
      </Form>
      <Space style={{ marginTop: 24 }}>
        {step > 0 ? <Button onClick={() => setStep((s) => s - 1)} data-testid="wizard-back">{t('wizard.back')}</Button> : null}
        {step > 0 && step < 3 ? (
          <Button type="primary" onClick={next} data-testid="wizard-next">
            {t('wizard.next')}
          </Button>
        ) : null}
        {step === 3 ? (
          <>
            <Button loading={create.isPending} onClick={() => create.mutate(false)} data-testid="wizard-create-draft">
              {t('wizard.createDraft')}
            </Button>
            <Button type="primary" loading={create.isPending} onClick={() => create.mutate(true)} data-testid="wizard-create-schedule">
              {t('wizard.createSchedule')}
            </Button>
          </>
        ) : null}
      </Space>
    </div>
  );
}

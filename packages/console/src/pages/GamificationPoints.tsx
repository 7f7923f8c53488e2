// Gamification, points side: point types (PUT creates or edits), earn rules (event, conditions,
// amount, caps; create, edit, pause, delete) and the check-in settings of the gamification config
// with a preview of the streak rewards and a user's month.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ConditionsEditor, conditionsToRows, rowsToConditions, type ConditionRow } from '../components/ConditionsEditor.tsx';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { EventPicker } from '../components/EventPicker.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';

type PointType = Schemas['PointsType'];
type Rule = Schemas['PointsRule'];
type Expiry = { kind: 'never' } | { kind: 'days'; days: number } | { kind: 'end_of_year'; years_after: number; timezone: string };

export function usePointTypes(appId: string) {
  return useQuery({ queryKey: ['gm', 'pointTypes', appId], queryFn: () => ok(api.GET('/v1/points/types')) });
}

export function PointTypes({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const list = usePointTypes(appId);
  const [editing, setEditing] = useState<PointType | 'new' | null>(null);
  const [form] = Form.useForm<{ key: string; name: string; description?: string; expiry: Expiry['kind']; days?: number; years_after?: number; timezone?: string }>();
  const save = useMutation({
    mutationFn: (v: { key: string; name: string; description?: string; expiry: Expiry['kind']; days?: number; years_after?: number; timezone?: string }) => {
      const expiry: Expiry = v.expiry === 'days' ? { kind: 'days', days: v.days ?? 365 } : v.expiry === 'end_of_year' ? { kind: 'end_of_year', years_after: v.years_after ?? 1, timezone: v.timezone || 'UTC' } : { kind: 'never' };
      return ok(api.PUT('/v1/points/types/{type}', { params: { path: { type: v.key.trim() } }, body: { name: v.name, description: v.description || null, expiry } }));
    },
    onSuccess: () => {
      setEditing(null);
      void message.success(t('gm.saved'));
      void qc.invalidateQueries({ queryKey: ['gm', 'pointTypes'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const open = (p: PointType | 'new') => {
    setEditing(p);
    const ex: Expiry = (p === 'new' ? null : (p.expiry as Expiry | null)) ?? { kind: 'never' };
    form.setFieldsValue(
      p === 'new'
        ? { key: '', name: '', description: '', expiry: 'never' }
        : { key: p.key, name: p.name, description: p.description ?? '', expiry: ex.kind, days: ex.kind === 'days' ? ex.days : undefined, years_after: ex.kind === 'end_of_year' ? ex.years_after : undefined, timezone: ex.kind === 'end_of_year' ? ex.timezone : undefined },
    );
  };
  const expiryText = (e: Expiry) => (e.kind === 'days' ? t('gm.expiryDaysN', { n: e.days }) : e.kind === 'end_of_year' ? t('gm.expiryYearN', { n: e.years_after }) : t('gm.expiryNever'));
  const kind = Form.useWatch('expiry', form);
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('gm.pointTypes')}
      extra={
        mayManage ? (
          <Button data-testid="gm-type-new" type="primary" onClick={() => open('new')}>
            {t('gm.typeNew')}
          </Button>
        ) : null
      }
    >
      <Table<PointType>
        data-testid="gm-types"
        rowKey="key"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('gm.typesEmpty') }}
        columns={[
          { title: t('gm.key'), dataIndex: 'key', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          { title: t('gm.name'), dataIndex: 'name', render: (v: string) => <Typography.Text data-testid="gm-type-name">{v}</Typography.Text> },
          { title: t('gm.description'), dataIndex: 'description', render: (v: string | null) => v ?? '—' },
          { title: t('gm.expiry'), dataIndex: 'expiry', render: (v: unknown) => expiryText((v as Expiry) ?? { kind: 'never' }) },
          { title: t('gm.updated'), dataIndex: 'updated_at', render: (v: string) => date(v) },
          ...(mayManage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, p: PointType) => (
                    <Button size="small" data-testid="gm-type-edit" onClick={() => open(p)}>
                      {t('gm.edit')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      {mayManage ? (
      <Modal open={editing !== null} title={editing === 'new' ? t('gm.typeNew') : t('gm.typeEdit')} onCancel={() => setEditing(null)} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'gm-type-save' }} forceRender>
        <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
          <Form.Item name="key" label={t('gm.key')} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,31}$/, message: t('gm.keyRule') }]}>
            <Input data-testid="gm-type-key" disabled={editing !== 'new'} maxLength={32} />
          </Form.Item>
          <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
            <Input data-testid="gm-type-name-input" maxLength={100} />
          </Form.Item>
          <Form.Item name="description" label={t('gm.description')}>
            <Input maxLength={1000} />
          </Form.Item>
          <Form.Item name="expiry" label={t('gm.expiry')}>
            <Select
              options={[
                { value: 'never', label: t('gm.expiryNever') },
                { value: 'days', label: t('gm.expiryDays') },
                { value: 'end_of_year', label: t('gm.expiryYear') },
              ]}
            />
          </Form.Item>
          {kind === 'days' ? (
            <Form.Item name="days" label={t('gm.days')} rules={[{ required: true, message: t('gm.required') }]}>
              <InputNumber min={1} max={36500} />
            </Form.Item>
          ) : null}
          {kind === 'end_of_year' ? (
            <Space>
              <Form.Item name="years_after" label={t('gm.yearsAfter')} initialValue={1}>
                <InputNumber min={0} max={10} />
              </Form.Item>
              <Form.Item name="timezone" label={t('gm.timezone')} initialValue="Asia/Shanghai">
                <Input maxLength={64} />
              </Form.Item>
            </Space>
          ) : null}
        </Form>
      </Modal>
      ) : null}
    </Card>
  );
}

type RuleForm = {
  name: string;
  source: 'event' | 'domain';
  event: string;
  type: string;
  amount: number;
  daily_cap?: number | null;
  weekly_cap?: number | null;
  total_cap?: number | null;
  timezone?: string;
  expires_in_days?: number | null;
  active: boolean;
  conditions?: ConditionRow[];
};

export function EarnRules({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, num } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [event, setEvent] = useState('');
  const query = { limit: 25, ...(event ? { event } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'rules', appId, query], queryFn: () => ok(api.GET('/v1/points/rules', { params: { query } })) });
  const types = usePointTypes(appId);
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [form] = Form.useForm<RuleForm>();
  const ruleSource = Form.useWatch('source', form);
  const refresh = () => void qc.invalidateQueries({ queryKey: ['gm', 'rules'] });
  const fail = (e: unknown) => void message.error(errorText(e));
  const save = useMutation({
    mutationFn: (v: RuleForm) => {
      const common = {
        name: v.name,
        conditions: rowsToConditions(v.conditions) as Record<string, string>,
        amount: v.amount,
        daily_cap: v.daily_cap ?? null,
        weekly_cap: v.weekly_cap ?? null,
        total_cap: v.total_cap ?? null,
        timezone: v.timezone?.trim() || 'UTC',
        expires_in_days: v.expires_in_days ?? null,
        active: v.active,
      };
      if (editing === 'new' || editing === null) return ok(api.POST('/v1/points/rules', { body: { ...common, source: v.source, event: v.event.trim(), type: v.type } }));
      return ok(api.PATCH('/v1/points/rules/{ruleId}', { params: { path: { ruleId: editing.id } }, body: common }));
    },
    onSuccess: () => {
      setEditing(null);
      void message.success(t('gm.saved'));
      refresh();
    },
    onError: fail,
  });
  const toggle = useMutation({ mutationFn: (r: { id: string; active: boolean }) => ok(api.PATCH('/v1/points/rules/{ruleId}', { params: { path: { ruleId: r.id } }, body: { active: r.active } })), onSuccess: refresh, onError: fail });
  const remove = useMutation({ mutationFn: (id: string) => ok(api.DELETE('/v1/points/rules/{ruleId}', { params: { path: { ruleId: id } } })), onSuccess: refresh, onError: fail });
  const open = (r: Rule | 'new') => {
    setEditing(r);
    form.setFieldsValue(
      r === 'new'
        ? { name: '', source: 'event', event: '', type: types.data?.data[0]?.key, amount: 10, daily_cap: null, weekly_cap: null, total_cap: null, timezone: 'Asia/Shanghai', expires_in_days: null, active: true, conditions: [] }
        : { name: r.name, source: r.source, event: r.event, type: r.type, amount: r.amount, daily_cap: r.daily_cap, weekly_cap: r.weekly_cap, total_cap: r.total_cap, timezone: r.timezone, expires_in_days: r.expires_in_days, active: r.active, conditions: conditionsToRows(r.conditions) },
    );
  };
  const caps = (r: Rule) =>
    [r.daily_cap !== null ? t('gm.capDay', { n: num(r.daily_cap) }) : null, r.weekly_cap !== null ? t('gm.capWeek', { n: num(r.weekly_cap) }) : null, r.total_cap !== null ? t('gm.capTotal', { n: num(r.total_cap) }) : null].filter(Boolean).join(' · ') || t('gm.noCaps');
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  const isNew = editing === 'new';
  return (
    <Card
      title={t('gm.rules')}
      extra={
        <Space>
          <Input.Search
            data-testid="gm-rules-search"
            allowClear
            placeholder={t('gm.filterEvent')}
            style={{ width: 220 }}
            onSearch={(v) => {
              setEvent(v.trim());
              pager.reset();
            }}
          />
          {mayManage ? (
            <Button data-testid="gm-rule-new" type="primary" onClick={() => open('new')} disabled={!types.data?.data.length}>
              {t('gm.ruleNew')}
            </Button>
          ) : null}
        </Space>
      }
    >
      {mayManage && types.data && types.data.data.length === 0 ? <Typography.Paragraph type="secondary">{t('gm.rulesNeedType')}</Typography.Paragraph> : null}
      <Table<Rule>
        data-testid="gm-rules"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('gm.rulesEmpty') }}
        columns={[
          { title: t('gm.name'), dataIndex: 'name', render: (v: string) => <Typography.Text data-testid="gm-rule-name">{v}</Typography.Text> },
          { title: t('gm.event'), render: (_, r) => <Space size={4}><Tag>{r.source === 'domain' ? t('gm.sourceDomain') : t('gm.sourceEvent')}</Tag><Typography.Text code>{r.event}</Typography.Text></Space> },
          { title: t('gm.conditions'), dataIndex: 'conditions', render: (v: Record<string, unknown>) => (Object.keys(v).length ? <Typography.Text code>{JSON.stringify(v)}</Typography.Text> : '—') },
          { title: t('gm.amount'), render: (_, r) => `+${num(r.amount)} ${r.type}` },
          { title: t('gm.caps'), render: (_, r) => caps(r) },
          { title: t('gm.active'), dataIndex: 'active', render: (v: boolean, r) => <Switch size="small" data-testid="gm-rule-active" checked={v} disabled={!mayManage} onChange={(active) => toggle.mutate({ id: r.id, active })} /> },
          ...(mayManage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, r: Rule) => (
                    <Space size={4}>
                      <Button size="small" data-testid="gm-rule-edit" onClick={() => open(r)}>
                        {t('gm.edit')}
                      </Button>
                      <Popconfirm title={t('gm.deleteConfirm')} onConfirm={() => remove.mutate(r.id)}>
                        <Button size="small" danger data-testid="gm-rule-delete">
                          {t('gm.delete')}
                        </Button>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      {mayManage ? (
      <Modal width={720} open={editing !== null} title={isNew ? t('gm.ruleNew') : t('gm.ruleEdit')} onCancel={() => setEditing(null)} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'gm-rule-save' }} forceRender>
        <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
          <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
            <Input data-testid="gm-rule-name-input" maxLength={200} />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="source" label={t('gm.source')}>
              <Select
                data-testid="gm-rule-source"
                disabled={!isNew}
                style={{ width: 200 }}
                options={[
                  { value: 'event', label: t('gm.sourceEvent') },
                  { value: 'domain', label: t('gm.sourceDomain') },
                ]}
              />
            </Form.Item>
            <Form.Item name="event" label={t('gm.event')} rules={[{ required: true, whitespace: true, message: t('gm.eventRequired') }]} extra={t('gm.eventHint')}>
              <EventPicker testId="gm-rule-event" disabled={!isNew} source={ruleSource ?? 'event'} />
            </Form.Item>
          </Space>
          <Form.Item label={t('gm.conditions')} extra={t('gm.conditionsHint')}>
            <ConditionsEditor name="conditions" />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="type" label={t('gm.pointType')} rules={[{ required: true, message: t('gm.required') }]}>
              <Select data-testid="gm-rule-type" disabled={!isNew} style={{ width: 160 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: `${p.name} (${p.key})` }))} />
            </Form.Item>
            <Form.Item name="amount" label={t('gm.amount')} rules={[{ required: true, message: t('gm.required') }]}>
              <InputNumber data-testid="gm-rule-amount" min={1} max={1_000_000_000} precision={0} />
            </Form.Item>
            <Form.Item name="daily_cap" label={t('gm.dailyCap')}>
              <InputNumber data-testid="gm-rule-daily-cap" min={1} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
            <Form.Item name="weekly_cap" label={t('gm.weeklyCap')}>
              <InputNumber min={1} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
            <Form.Item name="total_cap" label={t('gm.totalCap')}>
              <InputNumber min={1} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
          </Space>
          <Space wrap align="start">
            <Form.Item name="timezone" label={t('gm.timezone')}>
              <Input style={{ width: 180 }} maxLength={64} />
            </Form.Item>
            <Form.Item name="expires_in_days" label={t('gm.expiresInDays')}>
              <InputNumber min={1} max={36500} precision={0} placeholder={t('gm.typeDefault')} />
            </Form.Item>
            <Form.Item name="active" label={t('gm.active')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
      ) : null}
    </Card>
  );
}

type Config = {
  points_type: string;
  checkin: { enabled: boolean; rewards: number[]; growth: number; makeup: { enabled: boolean; max_per_month: number; cost_points: number | null; card_type: string | null } };
  daily_reward: { enabled: boolean; min: number; max: number; daily_budget: number | null };
  [k: string]: unknown;
};
type CheckinForm = { points_type: string; enabled: boolean; rewards: string; growth: number; makeup_enabled: boolean; max_per_month: number; cost_points: number | null; dr_enabled: boolean; dr_min: number; dr_max: number; dr_budget: number | null };

export function useGmConfig(appId: string) {
  return useQuery({ queryKey: ['gm', 'config', appId], queryFn: async () => (await ok(api.GET('/v1/gamification/config'))) as Config });
}

/** The rewards of streak days 1…n as a strip (the cycle repeats after the last). */
function StreakPreview({ rewards }: { rewards: number[] }) {
  const { t } = useI18n();
  const days = Math.max(7, rewards.length);
  return (
    <Space wrap data-testid="gm-streak-preview">
      {Array.from({ length: days }, (_, i) => (
        <Card key={i} size="small" style={{ width: 84, textAlign: 'center' }}>
          <div>{t('gm.dayN', { n: i + 1 })}</div>
          <Typography.Text strong>{`+${rewards.length ? rewards[i % rewards.length] : 0}`}</Typography.Text>
        </Card>
      ))}
    </Space>
  );
}

function UserCalendar({ userId }: { userId: string }) {
  const { t, day } = useI18n();
  const cal = useQuery({ queryKey: ['gm', 'calendar', userId], queryFn: () => ok(api.GET('/v1/users/{userId}/checkins', { params: { path: { userId }, query: {} } })) });
  if (cal.isError) return <ErrorState error={cal.error} retry={() => cal.refetch()} />;
  if (!cal.data) return <Typography.Text type="secondary">{t('gm.loading')}</Typography.Text>;
  const c = cal.data;
  return (
    <Space direction="vertical" data-testid="gm-calendar">
      <Typography.Text>{t('gm.calendarSummary', { month: c.month, streak: c.streak, longest: c.longest, total: c.total })}</Typography.Text>
      <Space wrap size={4}>
        {c.days.map((d) => (
          <Tag key={d.date} color={d.checked_in ? (d.kind === 'makeup' ? 'orange' : 'green') : d.date === c.today ? 'blue' : undefined}>
            {day(d.date)}
          </Tag>
        ))}
      </Space>
    </Space>
  );
}

export function CheckinSettings({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const cfg = useGmConfig(appId);
  const types = usePointTypes(appId);
  const [form] = Form.useForm<CheckinForm>();
  const [calUser, setCalUser] = useState('');
  const rewardsText = Form.useWatch('rewards', form);
  const parsed = (rewardsText ?? '')
    .split(/[,，\s]+/)
    .filter(Boolean)
    .map(Number);
  const valid = parsed.length > 0 && parsed.every((n) => Number.isInteger(n) && n >= 0);
  const save = useMutation({
    mutationFn: (v: CheckinForm) => {
      const c = cfg.data!;
      const body = {
        ...c,
        points_type: v.points_type,
        checkin: { ...c.checkin, enabled: v.enabled, rewards: parsed, growth: v.growth ?? 0, makeup: { ...c.checkin.makeup, enabled: v.makeup_enabled, max_per_month: v.max_per_month ?? 0, cost_points: v.cost_points ?? null } },
        daily_reward: { ...c.daily_reward, enabled: v.dr_enabled, min: v.dr_min, max: v.dr_max, daily_budget: v.dr_budget ?? null },
      };
      return ok(api.PUT('/v1/gamification/config', { body: body as never }));
    },
    onSuccess: () => {
      void message.success(t('gm.saved'));
      void qc.invalidateQueries({ queryKey: ['gm', 'config'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  if (cfg.isError) return <ErrorState error={cfg.error} retry={() => cfg.refetch()} />;
  if (!cfg.data) return <Card loading />;
  const c = cfg.data;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card title={t('gm.checkinSettings')}>
        <Form<CheckinForm>
          form={form}
          layout="vertical"
          disabled={!mayManage}
          initialValues={{
            points_type: c.points_type,
            enabled: c.checkin.enabled,
            rewards: c.checkin.rewards.join(', '),
            growth: c.checkin.growth,
            makeup_enabled: c.checkin.makeup.enabled,
            max_per_month: c.checkin.makeup.max_per_month,
            cost_points: c.checkin.makeup.cost_points,
            dr_enabled: c.daily_reward.enabled,
            dr_min: c.daily_reward.min,
            dr_max: c.daily_reward.max,
            dr_budget: c.daily_reward.daily_budget,
          }}
          onFinish={(v) => save.mutate(v)}
        >
          <Space wrap align="start">
            <Form.Item name="enabled" label={t('gm.checkinEnabled')} valuePropName="checked">
              <Switch data-testid="gm-checkin-enabled" />
            </Form.Item>
            <Form.Item name="points_type" label={t('gm.pointType')}>
              <Select data-testid="gm-checkin-type" style={{ width: 180 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: `${p.name} (${p.key})` }))} />
            </Form.Item>
            <Form.Item name="growth" label={t('gm.growthPerCheckin')}>
              <InputNumber min={0} precision={0} />
            </Form.Item>
          </Space>
          <Form.Item name="rewards" label={t('gm.streakRewards')} extra={t('gm.streakRewardsHint')} rules={[{ validator: async () => (valid ? undefined : Promise.reject(new Error(t('gm.streakRewardsRule')))) }]}>
            <Input data-testid="gm-checkin-rewards" style={{ maxWidth: 480 }} />
          </Form.Item>
          {valid ? <StreakPreview rewards={parsed} /> : null}
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('gm.makeup')}
          </Typography.Title>
          <Space wrap align="start">
            <Form.Item name="makeup_enabled" label={t('gm.makeupEnabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="max_per_month" label={t('gm.makeupPerMonth')}>
              <InputNumber min={0} max={31} precision={0} />
            </Form.Item>
            <Form.Item name="cost_points" label={t('gm.makeupCost')}>
              <InputNumber min={1} precision={0} placeholder={t('gm.notAllowed')} />
            </Form.Item>
          </Space>
          <Typography.Title level={5}>{t('gm.dailyReward')}</Typography.Title>
          <Space wrap align="start">
            <Form.Item name="dr_enabled" label={t('gm.dailyRewardEnabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="dr_min" label={t('gm.min')}>
              <InputNumber min={1} precision={0} />
            </Form.Item>
            <Form.Item name="dr_max" label={t('gm.max')}>
              <InputNumber min={1} precision={0} />
            </Form.Item>
            <Form.Item name="dr_budget" label={t('gm.dailyBudget')}>
              <InputNumber data-testid="gm-daily-budget" min={1} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
          </Space>
          {mayManage ? (
            <Form.Item>
              <Button data-testid="gm-checkin-save" type="primary" htmlType="submit" loading={save.isPending}>
                {t('common.save')}
              </Button>
            </Form.Item>
          ) : null}
        </Form>
      </Card>
      <Card title={t('gm.userCalendar')}>
        <Input.Search data-testid="gm-calendar-user" placeholder={t('gm.userId')} style={{ width: 260, marginBottom: 12 }} onSearch={(v) => setCalUser(v.trim())} />
        {calUser ? <UserCalendar userId={calUser} /> : <Typography.Paragraph type="secondary">{t('gm.calendarHint')}</Typography.Paragraph>}
      </Card>
    </Space>
  );
}

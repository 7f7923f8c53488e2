// Gamification, progression: the level ladder (edited as a table, saved whole), badges (icon URL,
// criteria, rewards) and tasks (event, target, period, rewards). Names are user-facing text and
// are rendered as text; an icon is an <img> with the URL only. A badge or task is edited in a
// modal prefilled with its values (PATCH: a badge's key and criteria, a task's key, period and
// event are fixed, so they show read-only).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Avatar, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, Typography, type FormInstance } from 'antd';
import { useState } from 'react';
import { ConditionsEditor, conditionsToRows, rowsToConditions, type ConditionRow } from '../components/ConditionsEditor.tsx';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { EventPicker } from '../components/EventPicker.tsx';
import { showFieldErrors } from '../components/fieldErrors.ts';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { usePointTypes } from './GamificationPoints.tsx';

type Level = Schemas['Level'];
type LevelRow = { name: string; threshold: number; points_multiplier: number; perks: string; reward_type?: string; reward_amount?: number | null };

export function Levels({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, num } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const list = useQuery({ queryKey: ['gm', 'levels', appId], queryFn: () => ok(api.GET('/v1/gamification/levels')) });
  const types = usePointTypes(appId);
  const [editing, setEditing] = useState(false);
  const [form] = Form.useForm<{ levels: LevelRow[] }>();
  const save = useMutation({
    mutationFn: (v: { levels: LevelRow[] }) =>
      ok(
        api.PUT('/v1/gamification/levels', {
          body: {
            levels: (v.levels ?? []).map((l, i) => ({
              level: i + 1,
              name: l.name,
              threshold: l.threshold,
              benefits: {
                points_multiplier: l.points_multiplier ?? 1,
                rewards: l.reward_type && l.reward_amount ? [{ type: l.reward_type, amount: l.reward_amount }] : [],
                perks: (l.perks ?? '')
                  .split('\n')
                  .map((x) => x.trim())
                  .filter(Boolean),
              },
            })),
          },
        }),
      ),
    onSuccess: () => {
      setEditing(false);
      void message.success(t('gm.saved'));
      void qc.invalidateQueries({ queryKey: ['gm', 'levels'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const startEdit = () => {
    form.setFieldsValue({
      levels: (list.data?.data ?? []).map((l) => ({ name: l.name, threshold: l.threshold, points_multiplier: l.benefits.points_multiplier, perks: l.benefits.perks.join('\n'), reward_type: l.benefits.rewards[0]?.type, reward_amount: l.benefits.rewards[0]?.amount ?? null })),
    });
    setEditing(true);
  };
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('gm.levels')}
      extra={
        mayManage && !editing ? (
          <Button data-testid="gm-levels-edit" onClick={startEdit} disabled={list.isPending}>
            {t('gm.edit')}
          </Button>
        ) : null
      }
    >
      {editing ? (
        <Form form={form} onFinish={(v) => save.mutate(v)}>
          <Form.List name="levels">
            {(fields, { add, remove }) => (
              <Space direction="vertical" style={{ width: '100%' }}>
                {fields.map((f, i) => (
                  <Space key={f.key} wrap align="start" data-testid="gm-level-row">
                    <Tag>{t('gm.levelN', { n: i + 1 })}</Tag>
                    <Form.Item name={[f.name, 'name']} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
                      <Input data-testid="gm-level-name" placeholder={t('gm.name')} style={{ width: 140 }} maxLength={100} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'threshold']} rules={[{ required: true, message: t('gm.required') }]}>
                      <InputNumber data-testid="gm-level-threshold" placeholder={t('gm.threshold')} min={0} precision={0} style={{ width: 120 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'points_multiplier']} initialValue={1}>
                      <InputNumber placeholder={t('gm.multiplier')} min={1} max={100} step={0.1} style={{ width: 90 }} addonAfter="×" />
                    </Form.Item>
                    <Form.Item name={[f.name, 'reward_type']}>
                      <Select allowClear placeholder={t('gm.rewardType')} style={{ width: 130 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: p.key }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'reward_amount']}>
                      <InputNumber placeholder={t('gm.rewardAmount')} min={1} precision={0} style={{ width: 110 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'perks']}>
                      <Input.TextArea placeholder={t('gm.perksHint')} autoSize={{ minRows: 1, maxRows: 4 }} style={{ width: 220 }} />
                    </Form.Item>
                    <Button size="small" onClick={() => remove(f.name)}>
                      {t('gm.remove')}
                    </Button>
                  </Space>
                ))}
                <Space>
                  <Button data-testid="gm-level-add" onClick={() => add({ name: '', threshold: undefined, points_multiplier: 1, perks: '' })}>
                    {t('gm.levelAdd')}
                  </Button>
                  <Button data-testid="gm-levels-save" type="primary" htmlType="submit" loading={save.isPending}>
                    {t('common.save')}
                  </Button>
                  <Button onClick={() => setEditing(false)}>{t('common.cancel')}</Button>
                </Space>
              </Space>
            )}
          </Form.List>
        </Form>
      ) : (
        <Table<Level>
          data-testid="gm-levels"
          rowKey="level"
          size="small"
          loading={list.isPending}
          pagination={false}
          dataSource={list.data?.data ?? []}
          locale={{ emptyText: t('gm.levelsEmpty') }}
          columns={[
            { title: t('gm.level'), dataIndex: 'level', render: (v: number) => `Lv${v}` },
            { title: t('gm.name'), dataIndex: 'name', render: (v: string) => <Typography.Text data-testid="gm-level-label">{v}</Typography.Text> },
            { title: t('gm.threshold'), dataIndex: 'threshold', render: (v: number) => num(v) },
            { title: t('gm.multiplier'), render: (_, l) => `×${l.benefits.points_multiplier}` },
            { title: t('gm.rewards'), render: (_, l) => l.benefits.rewards.map((r) => <Tag key={r.type}>{`+${num(r.amount)} ${r.type}`}</Tag>) },
            { title: t('gm.perks'), render: (_, l) => l.benefits.perks.join(' · ') || '—' },
          ]}
        />
      )}
    </Card>
  );
}

type Badge = Schemas['Badge'];
type CriteriaKind = 'event_count' | 'checkin_streak' | 'checkin_total' | 'level' | 'points_earned' | 'manual';
const CRITERIA: Record<CriteriaKind, MessageKey> = {
  event_count: 'gm.crit.event_count',
  checkin_streak: 'gm.crit.checkin_streak',
  checkin_total: 'gm.crit.checkin_total',
  level: 'gm.crit.level',
  points_earned: 'gm.crit.points_earned',
  manual: 'gm.crit.manual',
};
type BadgeForm = { key: string; name: string; description?: string; icon_url?: string; kind: CriteriaKind; event?: string; n?: number; type?: string; reward_type?: string; reward_amount?: number | null; active: boolean; sort?: number };

function criteriaOf(v: BadgeForm) {
  const n = v.n ?? 1;
  switch (v.kind) {
    case 'event_count':
      return { kind: 'event_count' as const, event: (v.event ?? '').trim(), count: n };
    case 'checkin_streak':
      return { kind: 'checkin_streak' as const, days: n };
    case 'checkin_total':
      return { kind: 'checkin_total' as const, days: n };
    case 'level':
      return { kind: 'level' as const, level: n };
    case 'points_earned':
      return { kind: 'points_earned' as const, type: v.type ?? '', amount: n };
    default:
      return { kind: 'manual' as const };
  }
}

function criteriaText(c: Record<string, unknown>, t: (k: MessageKey, v?: Record<string, string | number>) => string): string {
  const k = c.kind as CriteriaKind;
  const label = CRITERIA[k] ? t(CRITERIA[k]) : String(k);
  const n = c.count ?? c.days ?? c.level ?? c.amount;
  return [label, c.event ?? c.type, n].filter((x) => x !== undefined).join(' · ');
}

type BadgeEditForm = { name: string; description?: string; icon_url?: string; reward_type?: string; reward_amount?: number | null; sort?: number; active: boolean };
const REWARD_FIELDS = { 'rewards.0.type': 'reward_type', 'rewards.0.amount': 'reward_amount', 'rewards.0': 'reward_type' };

/** The save of an edit dialog: a toast, the list (`listKey`) read again and the dialog closed; refusals on the form's fields. */
function useEditSave<V>(form: FormInstance<V>, listKey: string, onClose: () => void, save: (v: V) => Promise<unknown>) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  return useMutation({
    mutationFn: save,
    onSuccess: () => {
      void message.success(t('gm.saved'));
      void qc.invalidateQueries({ queryKey: ['gm', listKey] });
      onClose();
    },
    onError: (e) => void message.error(showFieldErrors(form, e, REWARD_FIELDS)),
  });
}

function BadgeEdit({ badge, appId, onClose }: { badge: Badge; appId: string; onClose: () => void }) {
  const { t } = useI18n();
  const types = usePointTypes(appId);
  const [form] = Form.useForm<BadgeEditForm>();
  const save = useEditSave(form, 'badges', onClose, (v: BadgeEditForm) =>
      ok(
        api.PATCH('/v1/badges/{id}', {
          params: { path: { id: badge.id } },
          body: {
            name: v.name.trim(),
            description: v.description?.trim() || null,
            icon_url: v.icon_url?.trim() || null,
            // The form edits the first reward; any others stay as they are.
            rewards: [...(v.reward_type && v.reward_amount ? [{ type: v.reward_type, amount: v.reward_amount }] : []), ...badge.rewards.slice(1)],
            sort: v.sort ?? 0,
            active: v.active,
          },
        }),
      ),
  );
  return (
    <Modal open width={640} title={t('gm.badgeEdit')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'gm-badge-edit-save' }}>
      <Form
        form={form}
        layout="vertical"
        initialValues={{ name: badge.name, description: badge.description ?? '', icon_url: badge.icon_url ?? '', reward_type: badge.rewards[0]?.type, reward_amount: badge.rewards[0]?.amount ?? null, sort: badge.sort, active: badge.active }}
        onFinish={(v) => save.mutate(v)}
      >
        <Space wrap align="start">
          <Form.Item label={t('gm.key')} extra={t('gm.fixedAfterCreate')}>
            <Input value={badge.key} disabled style={{ width: 180 }} />
          </Form.Item>
          <Form.Item label={t('gm.criteria')}>
            <Input value={criteriaText(badge.criteria, t)} disabled style={{ width: 260 }} />
          </Form.Item>
        </Space>
        <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
          <Input data-testid="gm-badge-edit-name" maxLength={100} />
        </Form.Item>
        <Form.Item name="description" label={t('gm.description')}>
          <Input data-testid="gm-badge-edit-description" maxLength={1000} />
        </Form.Item>
        <Form.Item name="icon_url" label={t('gm.iconUrl')} rules={[{ type: 'url', message: t('gm.urlRule') }]}>
          <Input data-testid="gm-badge-edit-icon" placeholder="https://…" maxLength={2000} />
        </Form.Item>
        <RewardRow pointTypes={(types.data?.data ?? []).map((p) => p.key)} />
      </Form>
    </Modal>
  );
}

/** The reward (one point type and amount), sort order and active switch that badge and task forms end with. */
function RewardRow({ pointTypes }: { pointTypes: string[] }) {
  const { t } = useI18n();
  return (
    <Space wrap align="start">
      <Form.Item name="reward_type" label={t('gm.rewardType')}>
        <Select allowClear style={{ width: 140 }} options={pointTypes.map((k) => ({ value: k, label: k }))} />
      </Form.Item>
      <Form.Item name="reward_amount" label={t('gm.rewardAmount')}>
        <InputNumber min={1} precision={0} />
      </Form.Item>
      <Form.Item name="sort" label={t('gm.sort')}>
        <InputNumber precision={0} />
      </Form.Item>
      <Form.Item name="active" label={t('gm.active')} valuePropName="checked">
        <Switch />
      </Form.Item>
    </Space>
  );
}

export function Badges({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, num } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'badges', appId, query], queryFn: () => ok(api.GET('/v1/badges', { params: { query } })) });
  const types = usePointTypes(appId);
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<Badge | null>(null);
  const [form] = Form.useForm<BadgeForm>();
  const kind = Form.useWatch('kind', form);
  const refresh = () => void qc.invalidateQueries({ queryKey: ['gm', 'badges'] });
  const create = useMutation({
    mutationFn: (v: BadgeForm) =>
      ok(
        api.POST('/v1/badges', {
          body: {
            key: v.key.trim(),
            name: v.name,
            description: v.description || null,
            icon_url: v.icon_url?.trim() || null,
            criteria: criteriaOf(v),
            rewards: v.reward_type && v.reward_amount ? [{ type: v.reward_type, amount: v.reward_amount }] : [],
            active: v.active,
            sort: v.sort ?? 0,
          },
        }),
      ),
    onSuccess: () => {
      setOpen(false);
      form.resetFields();
      void message.success(t('gm.saved'));
      refresh();
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const toggle = useMutation({ mutationFn: (b: { id: string; active: boolean }) => ok(api.PATCH('/v1/badges/{id}', { params: { path: { id: b.id } }, body: { active: b.active } })), onSuccess: refresh, onError: (e) => void message.error(errorText(e)) });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('gm.badges')}
      extra={
        mayManage ? (
          <Button data-testid="gm-badge-new" type="primary" onClick={() => setOpen(true)}>
            {t('gm.badgeNew')}
          </Button>
        ) : null
      }
    >
      <Table<Badge>
        data-testid="gm-badges"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('gm.badgesEmpty') }}
        columns={[
          { title: t('gm.icon'), dataIndex: 'icon_url', render: (v: string | null) => <Avatar shape="square" src={v ?? undefined}>{v ? null : '?'}</Avatar> },
          { title: t('gm.key'), dataIndex: 'key', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          { title: t('gm.name'), dataIndex: 'name', render: (v: string, b) => <Space direction="vertical" size={0}><Typography.Text data-testid="gm-badge-name">{v}</Typography.Text>{b.description ? <Typography.Text type="secondary">{b.description}</Typography.Text> : null}</Space> },
          { title: t('gm.criteria'), dataIndex: 'criteria', render: (v: Record<string, unknown>) => criteriaText(v, t) },
          { title: t('gm.rewards'), dataIndex: 'rewards', render: (v: { type: string; amount: number }[]) => (v.length ? v.map((r) => <Tag key={r.type}>{`+${num(r.amount)} ${r.type}`}</Tag>) : '—') },
          { title: t('gm.active'), dataIndex: 'active', render: (v: boolean, b) => <Switch size="small" checked={v} disabled={!mayManage} onChange={(active) => toggle.mutate({ id: b.id, active })} /> },
          ...(mayManage
            ? [{ title: t('common.actions'), key: 'actions', render: (_: unknown, b: Badge) => <Button size="small" data-testid="gm-badge-edit" onClick={() => setEditing(b)}>{t('gm.edit')}</Button> }]
            : []),
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      {mayManage && editing ? <BadgeEdit badge={editing} appId={appId} onClose={() => setEditing(null)} /> : null}
      {mayManage ? (
      <Modal open={open} width={640} title={t('gm.badgeNew')} onCancel={() => setOpen(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, 'data-testid': 'gm-badge-save' }} forceRender>
        <Form form={form} layout="vertical" initialValues={{ kind: 'manual', active: true, n: 1 }} onFinish={(v) => create.mutate(v)}>
          <Space wrap align="start">
            <Form.Item name="key" label={t('gm.key')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9_.-]{0,63}$/, message: t('gm.keyRule') }]}>
              <Input data-testid="gm-badge-key" maxLength={64} />
            </Form.Item>
            <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
              <Input data-testid="gm-badge-name-input" maxLength={100} />
            </Form.Item>
          </Space>
          <Form.Item name="description" label={t('gm.description')}>
            <Input maxLength={1000} />
          </Form.Item>
          <Form.Item name="icon_url" label={t('gm.iconUrl')} rules={[{ type: 'url', message: t('gm.urlRule') }]}>
            <Input data-testid="gm-badge-icon" placeholder="https://…" maxLength={2000} />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="kind" label={t('gm.criteria')}>
              <Select data-testid="gm-badge-kind" style={{ width: 200 }} options={(Object.keys(CRITERIA) as CriteriaKind[]).map((k) => ({ value: k, label: t(CRITERIA[k]) }))} />
            </Form.Item>
            {kind === 'event_count' ? (
              <Form.Item name="event" label={t('gm.event')} rules={[{ required: true, whitespace: true, message: t('gm.eventRequired') }]}>
                <Input maxLength={200} />
              </Form.Item>
            ) : null}
            {kind === 'points_earned' ? (
              <Form.Item name="type" label={t('gm.pointType')} rules={[{ required: true, message: t('gm.required') }]}>
                <Select style={{ width: 140 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: p.key }))} />
              </Form.Item>
            ) : null}
            {kind && kind !== 'manual' ? (
              <Form.Item name="n" label={t('gm.critN')}>
                <InputNumber min={1} precision={0} />
              </Form.Item>
            ) : null}
          </Space>
          <RewardRow pointTypes={(types.data?.data ?? []).map((p) => p.key)} />
        </Form>
      </Modal>
      ) : null}
    </Card>
  );
}

type Task = Schemas['Task'];
type Period = Task['period'];
const PERIODS: Record<Period, MessageKey> = { once: 'gm.period.once', daily: 'gm.period.daily', weekly: 'gm.period.weekly' };
type TaskForm = { key: string; name: string; description?: string; period: Period; event: string; target: number; reward_type: string; reward_amount: number; group?: string; conditions?: ConditionRow[] };

type TaskEditForm = { name: string; description?: string; target: number; group?: string; conditions?: ConditionRow[]; reward_type: string; reward_amount: number; sort?: number };

function TaskEdit({ task, appId, onClose }: { task: Task; appId: string; onClose: () => void }) {
  const { t } = useI18n();
  const types = usePointTypes(appId);
  const [form] = Form.useForm<TaskEditForm>();
  const save = useEditSave(form, 'tasks', onClose, (v: TaskEditForm) =>
      ok(
        api.PATCH('/v1/tasks/{id}', {
          params: { path: { id: task.id } },
          body: {
            name: v.name.trim(),
            description: v.description?.trim() || null,
            target: v.target ?? 1,
            group: v.group?.trim() || null,
            conditions: rowsToConditions(v.conditions) as Record<string, string>,
            // The form edits the first reward; any others stay as they are.
            rewards: [{ type: v.reward_type, amount: v.reward_amount }, ...task.rewards.slice(1)],
            sort: v.sort ?? 0,
          },
        }),
      ),
  );
  return (
    <Modal open width={680} title={t('gm.taskEdit')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'gm-task-edit-save' }}>
      <Form
        form={form}
        layout="vertical"
        initialValues={{ name: task.name, description: task.description ?? '', target: task.target, group: task.group ?? '', conditions: conditionsToRows(task.conditions), reward_type: task.rewards[0]?.type, reward_amount: task.rewards[0]?.amount, sort: task.sort }}
        onFinish={(v) => save.mutate(v)}
      >
        <Space wrap align="start">
          <Form.Item label={t('gm.key')} extra={t('gm.fixedAfterCreate')}>
            <Input value={task.key} disabled style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label={t('gm.period')}>
            <Input value={t(PERIODS[task.period])} disabled style={{ width: 100 }} />
          </Form.Item>
          <Form.Item label={t('gm.event')}>
            <Input value={task.event} disabled style={{ width: 200 }} />
          </Form.Item>
        </Space>
        <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
          <Input data-testid="gm-task-edit-name" maxLength={200} />
        </Form.Item>
        <Form.Item name="description" label={t('gm.description')}>
          <Input maxLength={1000} />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="target" label={t('gm.target')} rules={[{ required: true, message: t('gm.required') }]}>
            <InputNumber data-testid="gm-task-edit-target" min={1} precision={0} />
          </Form.Item>
          <Form.Item name="group" label={t('gm.group')}>
            <Input data-testid="gm-task-edit-group" maxLength={64} />
          </Form.Item>
          <Form.Item name="sort" label={t('gm.sort')}>
            <InputNumber precision={0} />
          </Form.Item>
        </Space>
        <Form.Item label={t('gm.conditions')}>
          <ConditionsEditor name="conditions" />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="reward_type" label={t('gm.rewardType')} rules={[{ required: true, message: t('gm.required') }]}>
            <Select style={{ width: 140 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: p.key }))} />
          </Form.Item>
          <Form.Item name="reward_amount" label={t('gm.rewardAmount')} rules={[{ required: true, message: t('gm.required') }]}>
            <InputNumber data-testid="gm-task-edit-amount" min={1} precision={0} />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

export function Tasks({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, num } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'tasks', appId, query], queryFn: () => ok(api.GET('/v1/tasks', { params: { query } })) });
  const types = usePointTypes(appId);
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<Task | null>(null);
  const [form] = Form.useForm<TaskForm>();
  const refresh = () => void qc.invalidateQueries({ queryKey: ['gm', 'tasks'] });
  const create = useMutation({
    mutationFn: (v: TaskForm) =>
      ok(
        api.POST('/v1/tasks', {
          body: {
            key: v.key.trim(),
            name: v.name,
            description: v.description || null,
            period: v.period,
            event: v.event.trim(),
            conditions: rowsToConditions(v.conditions) as Record<string, string>,
            target: v.target ?? 1,
            rewards: [{ type: v.reward_type, amount: v.reward_amount }],
            group: v.group?.trim() || null,
          },
        }),
      ),
    onSuccess: () => {
      setOpen(false);
      form.resetFields();
      void message.success(t('gm.saved'));
      refresh();
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const toggle = useMutation({ mutationFn: (x: { id: string; active: boolean }) => ok(api.PATCH('/v1/tasks/{id}', { params: { path: { id: x.id } }, body: { active: x.active } })), onSuccess: refresh, onError: (e) => void message.error(errorText(e)) });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('gm.tasks')}
      extra={
        mayManage ? (
          <Button data-testid="gm-task-new" type="primary" onClick={() => setOpen(true)}>
            {t('gm.taskNew')}
          </Button>
        ) : null
      }
    >
      <Table<Task>
        data-testid="gm-tasks"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('gm.tasksEmpty') }}
        columns={[
          { title: t('gm.name'), dataIndex: 'name', render: (v: string, x) => <Space direction="vertical" size={0}><Typography.Text data-testid="gm-task-name">{v}</Typography.Text><Typography.Text type="secondary" code>{x.key}</Typography.Text></Space> },
          { title: t('gm.period'), dataIndex: 'period', render: (v: Period) => <Tag>{t(PERIODS[v])}</Tag> },
          { title: t('gm.event'), render: (_, x) => <Typography.Text code>{`${x.event} × ${x.target}`}</Typography.Text> },
          { title: t('gm.rewards'), dataIndex: 'rewards', render: (v: { type: string; amount: number }[]) => v.map((r) => <Tag key={r.type}>{`+${num(r.amount)} ${r.type}`}</Tag>) },
          { title: t('gm.group'), dataIndex: 'group', render: (v: string | null) => v ?? '—' },
          { title: t('gm.active'), dataIndex: 'active', render: (v: boolean, x) => <Switch size="small" checked={v} disabled={!mayManage} onChange={(active) => toggle.mutate({ id: x.id, active })} /> },
          ...(mayManage
            ? [{ title: t('common.actions'), key: 'actions', render: (_: unknown, x: Task) => <Button size="small" data-testid="gm-task-edit" onClick={() => setEditing(x)}>{t('gm.edit')}</Button> }]
            : []),
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      {mayManage && editing ? <TaskEdit task={editing} appId={appId} onClose={() => setEditing(null)} /> : null}
      {mayManage ? (
      <Modal open={open} width={680} title={t('gm.taskNew')} onCancel={() => setOpen(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, 'data-testid': 'gm-task-save' }} forceRender>
        <Form form={form} layout="vertical" initialValues={{ period: 'daily', target: 1, reward_amount: 10 }} onFinish={(v) => create.mutate(v)}>
          <Space wrap align="start">
            <Form.Item name="key" label={t('gm.key')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9_.-]{0,63}$/, message: t('gm.keyRule') }]}>
              <Input data-testid="gm-task-key" maxLength={64} />
            </Form.Item>
            <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
              <Input data-testid="gm-task-name-input" maxLength={200} />
            </Form.Item>
            <Form.Item name="period" label={t('gm.period')}>
              <Select style={{ width: 120 }} options={(Object.keys(PERIODS) as Period[]).map((p) => ({ value: p, label: t(PERIODS[p]) }))} />
            </Form.Item>
          </Space>
          <Form.Item name="description" label={t('gm.description')}>
            <Input maxLength={1000} />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="event" label={t('gm.event')} rules={[{ required: true, whitespace: true, message: t('gm.eventRequired') }]} extra={t('gm.taskEventHint')}>
              <EventPicker testId="gm-task-event" />
            </Form.Item>
            <Form.Item name="target" label={t('gm.target')}>
              <InputNumber min={1} precision={0} />
            </Form.Item>
            <Form.Item name="group" label={t('gm.group')}>
              <Input maxLength={64} />
            </Form.Item>
          </Space>
          <Form.Item label={t('gm.conditions')}>
            <ConditionsEditor name="conditions" />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="reward_type" label={t('gm.rewardType')} rules={[{ required: true, message: t('gm.required') }]}>
              <Select data-testid="gm-task-reward-type" style={{ width: 140 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: p.key }))} />
            </Form.Item>
            <Form.Item name="reward_amount" label={t('gm.rewardAmount')} rules={[{ required: true, message: t('gm.required') }]}>
              <InputNumber min={1} precision={0} />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
      ) : null}
    </Card>
  );
}

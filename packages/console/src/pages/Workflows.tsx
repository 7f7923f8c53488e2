// Workflows (automation): every workflow with its status, filtered by status; the selected one's
// figures (entered, converted against the holdout), its steps with who waits where and what
// happened there, and its runs; activate, pause and archive. A new workflow from a form: a trigger
// (an event from the catalogue, or a schedule), re-entry, a goal, and a list of steps — the common
// actions as fields, any step the API takes as JSON. The server validates; its errors name the field.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, AutoComplete, Button, Card, Col, Drawer, Form, Input, InputNumber, Popconfirm, Row, Select, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';

type Workflow = Schemas['Workflow'];
type Status = Workflow['status'];
const STATUSES: Status[] = ['draft', 'active', 'paused', 'archived'];
const STATUS_COLOR: Record<Status, string> = { draft: 'default', active: 'processing', paused: 'warning', archived: 'default' };
const STATUS_LABEL: Record<Status, MessageKey> = { draft: 'workflows.status.draft', active: 'workflows.status.active', paused: 'workflows.status.paused', archived: 'workflows.status.archived' };
const RUN_STATUSES = ['active', 'completed', 'exited'] as const;
const RUN_LABEL: Record<(typeof RUN_STATUSES)[number], MessageKey> = { active: 'workflows.run.active', completed: 'workflows.run.completed', exited: 'workflows.run.exited' };
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

/** Step types the form has fields for; any other step is written as JSON. */
const STEP_TYPES = ['wait', 'grant_points', 'send_message', 'issue_coupon', 'award_badge', 'json'] as const;
type StepType = (typeof STEP_TYPES)[number];
type StepForm = { type: StepType; seconds?: number; points_type?: string; amount?: number; reason?: string; template?: string; template_id?: string; badge_id?: string; json?: string };
type NewForm = { name: string; description?: string; trigger_kind: 'event' | 'schedule'; event?: string; every?: 'day' | 'week'; at?: string; weekday?: number; reentry: 'once' | 'after_exit' | 'always'; goal_event?: string; goal_hours?: number; timezone: string; active: boolean; steps: StepForm[] };

/** The API's step from the form's row (ids step_1, step_2…); a JSON row is parsed as written. */
function stepOf(s: StepForm, i: number): Record<string, unknown> {
  const id = `step_${i + 1}`;
  switch (s.type) {
    case 'wait':
      return { id, type: 'wait', seconds: s.seconds };
    case 'grant_points':
      return { id, type: 'grant_points', points_type: s.points_type, amount: s.amount, ...(s.reason ? { reason: s.reason } : {}) };
    case 'send_message':
      return { id, type: 'send_message', template: s.template };
    case 'issue_coupon':
      return { id, type: 'issue_coupon', template_id: s.template_id };
    case 'award_badge':
      return { id, type: 'award_badge', badge_id: s.badge_id };
    case 'json':
      return { id, ...(JSON.parse(s.json ?? '{}') as Record<string, unknown>) };
  }
}

function NewWorkflow({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewForm>();
  const kind = Form.useWatch('trigger_kind', form);
  const steps = Form.useWatch('steps', form) ?? [];
  const catalog = useQuery({ queryKey: ['events.catalog'], queryFn: () => ok(api.GET('/v1/events/catalog', {})), enabled: open });
  // Host events seen so far, then Canyu's domain events.
  const names = [...(catalog.data?.host ?? []), ...(catalog.data?.domain ?? [])].map((e) => ({ value: e.name }));
  const create = useMutation({
    mutationFn: (v: NewForm) => {
      const trigger = v.trigger_kind === 'event' ? { event: v.event!.trim() } : { schedule: { every: v.every!, at: v.at!, ...(v.every === 'week' ? { weekday: v.weekday } : {}) } };
      const body = {
        name: v.name,
        ...(v.description ? { description: v.description } : {}),
        active: v.active,
        trigger,
        entry: { reentry: v.reentry },
        ...(v.goal_event ? { goal: { event: v.goal_event.trim(), within_hours: v.goal_hours ?? 168 } } : {}),
        timezone: v.timezone,
        steps: v.steps.map(stepOf),
      };
      return ok(api.POST('/v1/automation/workflows', { body: body as never }));
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['workflows'] });
      form.resetFields();
      onClose();
      void message.success(t('workflows.created'));
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const submit = (v: NewForm) => {
    try {
      v.steps.forEach(stepOf);
    } catch {
      void message.error(t('workflows.badJson'));
      return;
    }
    create.mutate(v);
  };
  return (
    <Drawer open={open} onClose={onClose} width={640} title={t('workflows.new')} destroyOnHidden>
      <Form<NewForm> form={form} layout="vertical" onFinish={submit} initialValues={{ trigger_kind: 'event', reentry: 'after_exit', timezone: 'Asia/Shanghai', active: true, every: 'day', at: '09:00', steps: [{ type: 'grant_points', points_type: 'points', amount: 10 }] }}>
        <Form.Item name="name" label={t('workflows.name')} rules={[{ required: true, whitespace: true, message: t('workflows.nameRequired') }]}>
          <Input data-testid="wf-name" maxLength={200} />
        </Form.Item>
        <Form.Item name="description" label={t('workflows.description')}>
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
        <Form.Item name="trigger_kind" label={t('workflows.trigger')}>
          <Select data-testid="wf-trigger-kind" options={[{ value: 'event', label: t('workflows.onEvent') }, { value: 'schedule', label: t('workflows.onSchedule') }]} />
        </Form.Item>
        {kind === 'schedule' ? (
          <Space>
            <Form.Item name="every" label={t('workflows.every')}>
              <Select style={{ width: 120 }} options={[{ value: 'day', label: t('workflows.everyDay') }, { value: 'week', label: t('workflows.everyWeek') }]} />
            </Form.Item>
            <Form.Item name="at" label={t('workflows.at')} rules={[{ required: true, pattern: /^([01]\d|2[0-3]):[0-5]\d$/, message: 'HH:MM' }]}>
              <Input style={{ width: 100 }} placeholder="09:00" />
            </Form.Item>
            <Form.Item name="weekday" label={t('workflows.weekday')}>
              <InputNumber min={1} max={7} />
            </Form.Item>
          </Space>
        ) : (
          <Form.Item name="event" label={t('workflows.event')} rules={[{ required: true, whitespace: true, message: t('workflows.eventRequired') }]} extra={t('workflows.eventHelp')}>
            <AutoComplete data-testid="wf-event" options={names} filterOption={(input, o) => String(o?.value ?? '').includes(input)} />
          </Form.Item>
        )}
        <Space wrap>
          <Form.Item name="reentry" label={t('workflows.reentry')}>
            <Select style={{ width: 200 }} options={(['once', 'after_exit', 'always'] as const).map((r) => ({ value: r, label: t(`workflows.reentry.${r}`) }))} />
          </Form.Item>
          <Form.Item name="timezone" label={t('workflows.timezone')}>
            <Input style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name="goal_event" label={t('workflows.goal')}>
            <AutoComplete style={{ width: 200 }} options={names} />
          </Form.Item>
          <Form.Item name="goal_hours" label={t('workflows.goalHours')}>
            <InputNumber min={1} max={24 * 366} placeholder="168" />
          </Form.Item>
        </Space>
        <Typography.Title level={5}>{t('workflows.steps')}</Typography.Title>
        <Form.List name="steps">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f, i) => {
                const type = steps[i]?.type;
                return (
                  <Card key={f.key} size="small" style={{ marginBottom: 8 }} data-testid="wf-step" title={`${i + 1}`} extra={fields.length > 1 ? <Button size="small" onClick={() => remove(f.name)}>{t('workflows.removeStep')}</Button> : null}>
                    <Space wrap align="start">
                      <Form.Item name={[f.name, 'type']} label={t('workflows.stepType')}>
                        <Select style={{ width: 170 }} data-testid={`wf-step-type-${i}`} options={STEP_TYPES.map((s) => ({ value: s, label: t(`workflows.step.${s}`) }))} />
                      </Form.Item>
                      {type === 'wait' && (
                        <Form.Item name={[f.name, 'seconds']} label={t('workflows.seconds')} rules={[{ required: true }]}>
                          <InputNumber min={1} />
                        </Form.Item>
                      )}
                      {type === 'grant_points' && (
                        <>
                          <Form.Item name={[f.name, 'points_type']} label={t('workflows.pointsType')} rules={[{ required: true }]}>
                            <Input data-testid={`wf-step-points-type-${i}`} style={{ width: 120 }} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'amount']} label={t('workflows.amount')} rules={[{ required: true }]}>
                            <InputNumber data-testid={`wf-step-amount-${i}`} min={1} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'reason']} label={t('workflows.reason')}>
                            <Input style={{ width: 160 }} />
                          </Form.Item>
                        </>
                      )}
                      {type === 'send_message' && (
                        <Form.Item name={[f.name, 'template']} label={t('workflows.template')} rules={[{ required: true }]}>
                          <Input style={{ width: 200 }} />
                        </Form.Item>
                      )}
                      {type === 'issue_coupon' && (
                        <Form.Item name={[f.name, 'template_id']} label={t('workflows.couponTemplate')} rules={[{ required: true }]}>
                          <Input style={{ width: 200 }} />
                        </Form.Item>
                      )}
                      {type === 'award_badge' && (
                        <Form.Item name={[f.name, 'badge_id']} label={t('workflows.badge')} rules={[{ required: true }]}>
                          <Input style={{ width: 200 }} />
                        </Form.Item>
                      )}
                    </Space>
                    {type === 'json' && (
                      <Form.Item name={[f.name, 'json']} label={t('workflows.json')} extra={t('workflows.jsonHelp')} rules={[{ required: true }]}>
                        <Input.TextArea rows={4} style={{ fontFamily: 'monospace' }} placeholder='{"type":"wait","seconds":3600}' />
                      </Form.Item>
                    )}
                  </Card>
                );
              })}
              <Button onClick={() => add({ type: 'wait', seconds: 3600 })} data-testid="wf-add-step" style={{ marginBottom: 16 }}>
                {t('workflows.addStep')}
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item name="active" label={t('workflows.activeNow')} valuePropName="checked">
          <Switch data-testid="wf-active" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="wf-create">
          {t('workflows.create')}
        </Button>
      </Form>
    </Drawer>
  );
}

function Detail({ workflow, mayManage }: { workflow: Workflow; mayManage: boolean }) {
  const { t, num, date } = useI18n();
  const { appId } = useCurrent();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [runStatus, setRunStatus] = useState<(typeof RUN_STATUSES)[number] | undefined>();
  const id = workflow.id;
  const stats = useQuery({ queryKey: ['workflows', 'stats', appId, id], queryFn: () => ok(api.GET('/v1/automation/workflows/{workflowId}/stats', { params: { path: { workflowId: id } } })), refetchInterval: 5000 });
  const runsQuery = { workflow_id: id, limit: 20, ...(runStatus ? { status: runStatus } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const runs = useQuery({ queryKey: ['workflows', 'runs', appId, runsQuery], queryFn: () => ok(api.GET('/v1/automation/runs', { params: { query: runsQuery } })), refetchInterval: 5000 });
  const act = useMutation({
    mutationFn: (what: 'activate' | 'pause' | 'archive') =>
      what === 'activate'
        ? ok(api.POST('/v1/automation/workflows/{workflowId}/activate', { params: { path: { workflowId: id } } }))
        : what === 'pause'
          ? ok(api.POST('/v1/automation/workflows/{workflowId}/pause', { params: { path: { workflowId: id } } }))
          : ok(api.POST('/v1/automation/workflows/{workflowId}/archive', { params: { path: { workflowId: id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['workflows'] }),
    onError: (e) => void message.error(errorText(e)),
  });
  const s = stats.data;
  return (
    <Card
      style={{ marginTop: 16 }}
      title={<span data-testid="wf-detail-title">{workflow.name}</span>}
      extra={
        mayManage && workflow.status !== 'archived' ? (
          <Space>
            {workflow.status !== 'active' && (
              <Button size="small" type="primary" data-testid="wf-activate" loading={act.isPending} onClick={() => act.mutate('activate')}>
                {t('workflows.activate')}
              </Button>
            )}
            {workflow.status === 'active' && (
              <Button size="small" data-testid="wf-pause" loading={act.isPending} onClick={() => act.mutate('pause')}>
                {t('workflows.pause')}
              </Button>
            )}
            <Popconfirm title={t('workflows.archiveConfirm')} onConfirm={() => act.mutate('archive')}>
              <Button size="small" danger data-testid="wf-archive">
                {t('workflows.archive')}
              </Button>
            </Popconfirm>
          </Space>
        ) : null
      }
    >
      {stats.isError ? (
        <ErrorState error={stats.error} retry={() => stats.refetch()} />
      ) : (
        <Row gutter={16} data-testid="wf-stats">
          {(['entered', 'active', 'completed', 'exited', 'converted'] as const).map((k) => (
            <Col key={k} span={4}>
              <Statistic title={t(`workflows.stat.${k}`)} value={s ? num(s[k]) : '—'} loading={stats.isPending} valueRender={(v) => <span data-testid={`wf-stat-${k}`}>{v}</span>} />
            </Col>
          ))}
          <Col span={4}>
            <Statistic title={t('workflows.stat.conversion')} value={pct(s?.conversion_rate)} suffix={s?.holdout_conversion_rate !== null && s?.holdout_conversion_rate !== undefined ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('workflows.stat.holdout', { rate: pct(s.holdout_conversion_rate) })}</Typography.Text> : null} />
          </Col>
        </Row>
      )}
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('workflows.steps')}
      </Typography.Title>
      <Table
        data-testid="wf-steps"
        size="small"
        pagination={false}
        rowKey={(r) => `${r.version}:${r.step_id}`}
        dataSource={s?.steps ?? []}
        columns={[
          { title: t('workflows.version'), dataIndex: 'version' },
          { title: t('workflows.stepId'), dataIndex: 'step_id' },
          { title: t('workflows.stepType'), dataIndex: 'type', render: (x: string | null) => x ?? '—' },
          { title: t('workflows.waiting'), dataIndex: 'waiting', render: (n: number) => num(n) },
          { title: t('workflows.outcomes'), dataIndex: 'outcomes', render: (o: { outcome: string; runs: number }[]) => o.map((x) => <Tag key={x.outcome}>{`${x.outcome} ${num(x.runs)}`}</Tag>) },
        ]}
      />
      <Space style={{ marginTop: 16, marginBottom: 8 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('workflows.runs')}
        </Typography.Title>
        <Select allowClear placeholder={t('workflows.runStatus')} style={{ width: 160 }} value={runStatus} onChange={(v) => (setRunStatus(v), pager.reset())} options={RUN_STATUSES.map((r) => ({ value: r, label: t(RUN_LABEL[r]) }))} />
      </Space>
      {runs.isError ? (
        <ErrorState error={runs.error} retry={() => runs.refetch()} />
      ) : (
        <>
          <Table<Schemas['WorkflowRun']>
            data-testid="wf-runs"
            size="small"
            rowKey="id"
            loading={runs.isPending}
            pagination={false}
            locale={{ emptyText: t('workflows.noRuns') }}
            dataSource={runs.data?.data ?? []}
            columns={[
              { title: t('workflows.user'), dataIndex: 'user_id' },
              { title: t('workflows.runStatus'), dataIndex: 'status', render: (x: (typeof RUN_STATUSES)[number], r) => <Tag>{`${t(RUN_LABEL[x])}${r.exit_reason ? ` · ${r.exit_reason}` : ''}`}</Tag> },
              { title: t('workflows.atStep'), dataIndex: 'step', render: (x: string | null) => x ?? '—' },
              { title: t('workflows.converted'), dataIndex: 'converted_at', render: (x: string | null) => (x ? date(x) : '—') },
              { title: t('workflows.started'), dataIndex: 'created_at', render: (x: string) => date(x) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={runs.data?.next_cursor} />
        </>
      )}
    </Card>
  );
}

export default function Workflows() {
  const { t, date } = useI18n();
  const { appId, role } = useCurrent();
  const mayManage = can(role, 'campaigns.manage');
  const pager = useCursor();
  const [status, setStatus] = useState<Status | undefined>();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const query = { limit: 25, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['workflows', 'list', appId, query], queryFn: () => ok(api.GET('/v1/automation/workflows', { params: { query } })) });
  const selected = list.data?.data.find((w) => w.id === selectedId) ?? null;
  return (
    <div>
      <Typography.Title level={3}>{t('nav.workflows')}</Typography.Title>
      <Card
        title={t('workflows.list')}
        extra={
          <Space>
            <Select allowClear data-testid="wf-status-filter" placeholder={t('workflows.statusFilter')} style={{ width: 160 }} value={status} onChange={(v) => (setStatus(v), pager.reset())} options={STATUSES.map((s) => ({ value: s, label: t(STATUS_LABEL[s]) }))} />
            {mayManage && (
              <Button type="primary" data-testid="wf-new" onClick={() => setCreating(true)}>
                {t('workflows.new')}
              </Button>
            )}
          </Space>
        }
      >
        {list.isError ? (
          <ErrorState error={list.error} retry={() => list.refetch()} />
        ) : (
          <>
            <Table<Workflow>
              data-testid="workflows-table"
              rowKey="id"
              size="small"
              loading={list.isPending}
              pagination={false}
              locale={{ emptyText: t('workflows.empty') }}
              dataSource={list.data?.data ?? []}
              onRow={(w) => ({ onClick: () => setSelectedId(w.id), style: { cursor: 'pointer' } })}
              columns={[
                { title: t('workflows.name'), dataIndex: 'name', render: (n: string) => <span data-testid="wf-row-name">{n}</span> },
                { title: t('workflows.statusFilter'), dataIndex: 'status', render: (s: Status) => <Tag color={STATUS_COLOR[s]} data-testid="wf-row-status">{t(STATUS_LABEL[s])}</Tag> },
                { title: t('workflows.trigger'), key: 'trigger', render: (_: unknown, w) => triggerText(w, t) },
                { title: t('workflows.version'), dataIndex: 'version' },
                { title: t('workflows.updated'), dataIndex: 'updated_at', render: (d: string) => date(d) },
              ]}
            />
            <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
          </>
        )}
      </Card>
      {selected && <Detail key={selected.id} workflow={selected} mayManage={mayManage} />}
      {mayManage && <NewWorkflow open={creating} onClose={() => setCreating(false)} />}
    </div>
  );
}

function triggerText(w: Workflow, t: ReturnType<typeof useI18n>['t']): string {
  const trig = (w.definition as { trigger?: { event?: string; schedule?: { every: string; at: string; weekday?: number } } }).trigger;
  if (trig?.event) return trig.event;
  if (trig?.schedule) return t('workflows.scheduleText', { every: t(trig.schedule.every === 'week' ? 'workflows.everyWeek' : 'workflows.everyDay'), at: trig.schedule.at });
  return '—';
}

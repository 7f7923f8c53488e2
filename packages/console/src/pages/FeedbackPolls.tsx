// Polls (投票): the list (open / closed, cursor pages), create one (single or multiple choice,
// deadline, anonymous, result visibility, changing a vote), close or delete it, and the selected
// poll's live results chart (refetched every few seconds while it is open) and, for a named poll,
// who chose each option (cursor pages of user ids).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, DatePicker, Empty, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { lazy, Suspense, useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';

const BarChart = lazy(() => import('../components/BarChart.tsx'));

type Poll = Schemas['Poll'];
type Draft = { question: string; description?: string; kind: 'single' | 'multiple'; max_choices?: number; options: string; closes_at?: Dayjs; anonymous: boolean; results_visibility: Poll['results_visibility']; allow_change: boolean };

function Voters({ poll }: { poll: Poll }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const [optionId, setOptionId] = useState<string | undefined>(poll.options[0]?.id);
  const query = { limit: 20, option_id: optionId ?? '', ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const r = useQuery({
    queryKey: ['polls.voters', appId, poll.id, query],
    enabled: !!optionId,
    queryFn: () => ok(api.GET('/v1/polls/{pollId}/voters', { params: { path: { pollId: poll.id }, query } })),
    placeholderData: keepPreviousData,
  });
  return (
    <Card size="small" title={t('polls.voterList')} data-testid="poll-voter-list">
      <Space style={{ marginBottom: 8 }}>
        <span>{t('polls.option')}</span>
        <Select data-testid="poll-voters-option" style={{ width: 240 }} value={optionId} onChange={(v) => (setOptionId(v), pager.reset())} options={poll.options.map((o) => ({ value: o.id, label: o.text }))} />
      </Space>
      {r.isError ? (
        <ErrorState error={r.error} retry={() => r.refetch()} />
      ) : (
        <Table
          size="small"
          rowKey="user_id"
          pagination={false}
          loading={r.isPending && r.fetchStatus !== 'idle'}
          dataSource={r.data?.data ?? []}
          locale={{ emptyText: t('polls.noVoters') }}
          columns={[
            { title: t('polls.user'), dataIndex: 'user_id', render: (v: string) => <span data-testid="poll-voter">{v}</span> },
            { title: t('polls.votedAt'), dataIndex: 'voted_at', render: (v: string) => date(v) },
          ]}
        />
      )}
      <CursorPager pager={pager} nextCursor={r.data?.next_cursor} />
    </Card>
  );
}

function LiveResults({ id }: { id: string }) {
  const { t, num } = useI18n();
  const { appId } = useCurrent();
  const r = useQuery({
    queryKey: ['polls.one', appId, id],
    queryFn: () => ok(api.GET('/v1/polls/{pollId}', { params: { path: { pollId: id }, query: {} } })),
    refetchInterval: (q) => (q.state.data?.status === 'open' ? 3000 : false),
  });
  if (r.isError) return <ErrorState error={r.error} retry={() => r.refetch()} />;
  if (!r.data) return <Card loading />;
  const p = r.data;
  return (
    <Card size="small" title={p.question} data-testid="poll-results" extra={<Tag color={p.status === 'open' ? 'green' : 'default'}>{t(p.status === 'open' ? 'polls.open' : 'polls.closed')}</Tag>}>
      {p.description ? <Typography.Paragraph>{p.description}</Typography.Paragraph> : null}
      <Statistic title={t('polls.voters')} value={num(p.voters ?? 0)} data-testid="poll-voters" />
      <Suspense fallback={null}>
        <BarChart horizontal testId="poll-chart" height={Math.max(140, p.options.length * 40)} bars={p.options.map((o) => ({ name: o.text, value: o.votes ?? 0 }))} />
      </Suspense>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={p.options}
        columns={[
          { title: t('polls.option'), dataIndex: 'text' },
          { title: t('polls.votes'), dataIndex: 'votes', render: (v: number | null) => <span data-testid="poll-option-votes">{v ?? 0}</span> },
        ]}
      />
      {p.anonymous ? (
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {t('polls.anonymousNoVoters')}
        </Typography.Paragraph>
      ) : (
        <div style={{ marginTop: 12 }}>
          <Voters poll={p} />
        </div>
      )}
    </Card>
  );
}

export default function Polls() {
  const { t, date } = useI18n();
  const { appId, role } = useCurrent();
  const mayManage = can(role, 'campaigns.manage');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pager = useCursor();
  const [status, setStatus] = useState<'open' | 'closed' | undefined>();
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<Draft>();
  const kind = Form.useWatch('kind', form);
  const query = { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['polls', appId, query], queryFn: () => ok(api.GET('/v1/polls', { params: { query } })), placeholderData: keepPreviousData });
  const refresh = () => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('polls') });
  const fail = (e: unknown) => void message.error(errorText(e));
  const create = useMutation({
    mutationFn: (d: Draft) =>
      ok(
        api.POST('/v1/polls', {
          body: {
            question: d.question.trim(),
            ...(d.description?.trim() ? { description: d.description.trim() } : {}),
            kind: d.kind,
            ...(d.kind === 'multiple' && d.max_choices ? { max_choices: d.max_choices } : {}),
            options: d.options.split('\n').map((s) => s.trim()).filter(Boolean).map((text) => ({ text })),
            ...(d.closes_at ? { closes_at: d.closes_at.toISOString() } : {}),
            anonymous: d.anonymous,
            results_visibility: d.results_visibility,
            allow_change: d.allow_change,
          },
        }),
      ),
    onSuccess: (p) => {
      setCreating(false);
      form.resetFields();
      refresh();
      setSelected(p.id);
    },
    onError: fail,
  });
  const close = useMutation({ mutationFn: (id: string) => ok(api.POST('/v1/polls/{pollId}/close', { params: { path: { pollId: id } } })), onSuccess: refresh, onError: fail });
  const remove = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/polls/{pollId}', { params: { path: { pollId: id } } })),
    onSuccess: () => (setSelected(null), refresh()),
    onError: fail,
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select allowClear placeholder={t('polls.statusLabel')} style={{ width: 140 }} value={status} onChange={(v) => (setStatus(v), pager.reset())} options={[{ value: 'open', label: t('polls.open') }, { value: 'closed', label: t('polls.closed') }]} />
        {mayManage ? (
          <Button type="primary" data-testid="poll-new" onClick={() => setCreating(true)}>
            {t('polls.new')}
          </Button>
        ) : null}
      </Space>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          <Table<Poll>
            data-testid="poll-list"
            rowKey="id"
            size="small"
            loading={list.isPending}
            pagination={false}
            dataSource={list.data?.data ?? []}
            locale={{ emptyText: <Empty description={t('polls.empty')} /> }}
            onRow={(p) => ({ onClick: () => setSelected(p.id), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('polls.question'), dataIndex: 'question', render: (v: string) => <span data-testid="poll-question">{v}</span> },
              { title: t('polls.kind'), dataIndex: 'kind', render: (v: string) => t(v === 'single' ? 'polls.single' : 'polls.multiple') },
              { title: t('polls.statusLabel'), dataIndex: 'status', render: (v: string) => <Tag color={v === 'open' ? 'green' : 'default'}>{t(v === 'open' ? 'polls.open' : 'polls.closed')}</Tag> },
              { title: t('polls.voters'), dataIndex: 'voters', render: (v: number | null) => v ?? '—' },
              { title: t('polls.closesAt'), dataIndex: 'closes_at', render: (v: string | null) => (v ? date(v) : '—') },
              ...(mayManage
                ? [
                    {
                      title: t('common.actions'),
                      key: 'a',
                      render: (_: unknown, p: Poll) => (
                        <Space size={4} onClick={(e) => e.stopPropagation()}>
                          {p.status === 'open' ? (
                            <Button size="small" data-testid="poll-close" onClick={() => close.mutate(p.id)}>
                              {t('polls.close')}
                            </Button>
                          ) : null}
                          <Popconfirm title={t('polls.deleteConfirm')} onConfirm={() => remove.mutate(p.id)}>
                            <Button size="small" danger data-testid="poll-delete">
                              {t('polls.delete')}
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
        </>
      )}
      {selected ? <LiveResults key={selected} id={selected} /> : null}
      <Modal open={creating} width={640} title={t('polls.new')} onCancel={() => setCreating(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, 'data-testid': 'poll-save' }}>
        <Form<Draft> form={form} layout="vertical" initialValues={{ kind: 'single', anonymous: false, results_visibility: 'always', allow_change: false }} onFinish={(d) => create.mutate(d)}>
          <Form.Item name="question" label={t('polls.question')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input data-testid="poll-form-question" maxLength={500} />
          </Form.Item>
          <Form.Item name="description" label={t('polls.description')}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="options" label={t('polls.options')} extra={t('surveys.optionsHelp')} rules={[{ validator: (_, v: string | undefined) => ((v ?? '').split('\n').filter((s) => s.trim()).length >= 2 ? Promise.resolve() : Promise.reject(new Error(t('surveys.optionsMin')))) }]}>
            <Input.TextArea data-testid="poll-form-options" rows={4} />
          </Form.Item>
          <Space wrap>
            <Form.Item name="kind" label={t('polls.kind')}>
              <Select style={{ width: 140 }} options={[{ value: 'single', label: t('polls.single') }, { value: 'multiple', label: t('polls.multiple') }]} />
            </Form.Item>
            {kind === 'multiple' ? (
              <Form.Item name="max_choices" label={t('surveys.maxChoices')}>
                <InputNumber min={1} max={50} />
              </Form.Item>
            ) : null}
            <Form.Item name="closes_at" label={t('polls.closesAt')}>
              <DatePicker showTime />
            </Form.Item>
            <Form.Item name="results_visibility" label={t('polls.visibility')}>
              <Select style={{ width: 180 }} options={(['always', 'after_vote', 'after_close'] as const).map((v) => ({ value: v, label: t(`polls.visibility.${v}`) }))} />
            </Form.Item>
            <Form.Item name="anonymous" label={t('polls.anonymous')} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="allow_change" label={t('polls.allowChange')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
    </Space>
  );
}

// Segments: the list with sizes, a new segment from a simple rule (a trait equals a value, or at
// least N of an event in the last days) with its size previewed before saving, and the members of
// the selected segment with a CSV download.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Empty, Form, Input, InputNumber, Row, Select, Skeleton, Space, Statistic, Table, Typography } from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { downloadCsv } from '../lib/download.ts';
import { can } from '../lib/roles.ts';

const TrendChart = lazy(() => import('../components/TrendChart.tsx'));

/** The segment's daily size over the last 30 days (recorded on each refresh). */
function SizeHistory({ segment }: { segment: Schemas['Segment'] }) {
  const { t, day } = useI18n();
  const { appId } = useCurrent();
  const sizes = useQuery({
    queryKey: ['segments.sizes', appId, segment.id],
    queryFn: () => ok(api.GET('/v1/segments/{segmentId}/sizes', { params: { path: { segmentId: segment.id }, query: { days: 30 } } })),
  });
  const rows = sizes.data?.data ?? [];
  const x = useMemo(() => rows.map((r) => day(r.day)), [rows, day]);
  const series = useMemo(() => [{ name: t('segments.sizeSeries'), data: rows.map((r) => r.size) }], [rows, t]);
  return (
    <Card style={{ marginTop: 16 }} title={t('segments.sizes')} data-testid="segment-sizes">
      {sizes.isError ? (
        <ErrorState error={sizes.error} retry={() => sizes.refetch()} />
      ) : sizes.isPending ? (
        <Skeleton active />
      ) : rows.length === 0 ? (
        <Empty description={t('segments.noSizes')} />
      ) : (
        <Suspense fallback={<Skeleton active />}>
          <TrendChart x={x} series={series} height={220} />
        </Suspense>
      )}
    </Card>
  );
}

type RuleForm = { name: string; kind: 'traits' | 'event_count' | 'points_balance'; points_type?: string; balance_min?: number; trait?: string; value?: string; event?: string; min?: number; within_days?: number };

/** The rule tree of the simple form. */
function rulesOf(v: RuleForm): Record<string, unknown> {
  if (v.kind === 'traits') return { all: [{ kind: 'traits', conditions: { [v.trait ?? '']: v.value ?? '' } }] };
  if (v.kind === 'points_balance') return { all: [{ kind: 'points_balance', points_type: v.points_type ?? '', min: v.balance_min ?? 0 }] };
  return { all: [{ kind: 'event_count', event: v.event ?? '', within_days: v.within_days ?? 7, min: v.min ?? 1 }] };
}

function Members({ segment }: { segment: Schemas['Segment'] }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const members = useQuery({
    queryKey: ['segments.members', appId, segment.id, query],
    queryFn: () => ok(api.GET('/v1/segments/{segmentId}/members', { params: { path: { segmentId: segment.id }, query } })),
  });
  return (
    <Card
      style={{ marginTop: 16 }}
      title={<span data-testid="segment-members-title">{t('segments.membersOf', { name: segment.name })}</span>}
      extra={
        <Button data-testid="segment-export" onClick={() => downloadCsv(`/v1/segments/${encodeURIComponent(segment.id)}/members/export`, `segment-${segment.id}.csv`).catch((e: unknown) => message.error(errorText(e)))}>
          {t('analytics.csv')}
        </Button>
      }
    >
      {members.isError ? (
        <ErrorState error={members.error} retry={() => members.refetch()} />
      ) : (
        <>
          <Table
            rowKey="user_id"
            size="small"
            loading={members.isPending}
            pagination={false}
            locale={{ emptyText: t('segments.noMembers') }}
            dataSource={members.data?.data ?? []}
            columns={[
              { title: t('users.id'), dataIndex: 'user_id', render: (id: string) => <Link to={`/users/${encodeURIComponent(id)}`}>{id}</Link> },
              { title: t('segments.entered'), dataIndex: 'entered_at', render: (d: string) => date(d) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={members.data?.next_cursor} />
        </>
      )}
    </Card>
  );
}

export default function Segments() {
  const { t, num, date } = useI18n();
  const { appId, role } = useCurrent();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<RuleForm>();
  const kind = Form.useWatch('kind', form) ?? 'traits';
  const [selected, setSelected] = useState<Schemas['Segment'] | null>(null);
  const [preview, setPreview] = useState<number | null>(null);
  const list = useQuery({ queryKey: ['segments.all', appId], queryFn: () => ok(api.GET('/v1/segments', { params: { query: { limit: 100 } } })) });
  const mayWrite = can(role, 'campaigns.manage');

  const previewM = useMutation({
    mutationFn: (v: RuleForm) => ok(api.POST('/v1/segments/preview', { body: { rules: rulesOf(v) } as never })),
    onSuccess: (r) => setPreview(r.count),
    onError: (e) => message.error(errorText(e)),
  });
  const create = useMutation({
    mutationFn: (v: RuleForm) => ok(api.POST('/v1/segments', { body: { name: v.name, rules: rulesOf(v) } as never })),
    onSuccess: async (s) => {
      message.success(t('segments.created'));
      form.resetFields();
      setPreview(null);
      setSelected(s);
      await qc.invalidateQueries({ queryKey: ['segments.all', appId] });
    },
    onError: (e) => message.error(errorText(e)),
  });

  return (
    <div>
      <Typography.Title level={3}>{t('nav.segments')}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Card title={t('segments.list')}>
            {list.isError ? (
              <ErrorState error={list.error} retry={() => list.refetch()} />
            ) : (
              <Table<Schemas['Segment']>
                rowKey="id"
                size="small"
                loading={list.isPending}
                pagination={false}
                locale={{ emptyText: t('segments.empty') }}
                dataSource={list.data?.data ?? []}
                onRow={(s) => ({ onClick: () => setSelected(s), style: { cursor: 'pointer' } })}
                columns={[
                  { title: t('segments.name'), dataIndex: 'name', render: (n: string) => <span data-testid="segment-name">{n}</span> },
                  { title: t('segments.size'), dataIndex: 'size', render: (n: number) => <span data-testid="segment-size">{num(n)}</span> },
                  { title: t('segments.computed'), dataIndex: 'computed_at', render: (d: string | null) => (d ? date(d) : '—') },
                ]}
              />
            )}
          </Card>
        </Col>
        {mayWrite && (
          <Col xs={24} lg={10}>
            <Card title={t('segments.new')}>
              <Form form={form} layout="vertical" initialValues={{ kind: 'traits', within_days: 7, min: 3, points_type: 'coins', balance_min: 100 }} onValuesChange={() => setPreview(null)} onFinish={(v) => create.mutate(v)}>
                <Form.Item name="name" label={t('segments.name')} rules={[{ required: true, message: t('segments.nameRequired') }]}>
                  <Input data-testid="segment-new-name" maxLength={200} />
                </Form.Item>
                <Form.Item name="kind" label={t('segments.rule')}>
                  <Select data-testid="segment-kind" options={[{ value: 'traits', label: t('segments.byTrait') }, { value: 'event_count', label: t('segments.byEvents') }, { value: 'points_balance', label: t('segments.byPoints') }]} />
                </Form.Item>
                {kind === 'traits' ? (
                  <Space.Compact block>
                    <Form.Item name="trait" noStyle rules={[{ required: true, message: t('segments.traitRequired') }]}>
                      <Input data-testid="segment-trait" placeholder={t('segments.trait')} style={{ width: '50%' }} />
                    </Form.Item>
                    <Form.Item name="value" noStyle rules={[{ required: true, message: t('segments.valueRequired') }]}>
                      <Input data-testid="segment-value" placeholder={t('segments.value')} style={{ width: '50%' }} />
                    </Form.Item>
                  </Space.Compact>
                ) : kind === 'points_balance' ? (
                  <Space wrap>
                    <Form.Item name="points_type" label={t('segments.pointsType')} rules={[{ required: true, message: t('segments.pointsTypeRequired') }]}>
                      <Input data-testid="segment-points-type" maxLength={64} />
                    </Form.Item>
                    <Form.Item name="balance_min" label={t('segments.balanceAtLeast')} rules={[{ required: true, message: t('segments.balanceRequired') }]}>
                      <InputNumber data-testid="segment-balance-min" min={-1e15} max={1e15} />
                    </Form.Item>
                  </Space>
                ) : (
                  <Space wrap>
                    <Form.Item name="event" label={t('segments.event')} rules={[{ required: true, message: t('segments.eventRequired') }]}>
                      <Input data-testid="segment-event" />
                    </Form.Item>
                    <Form.Item name="min" label={t('segments.atLeast')}>
                      <InputNumber min={1} max={1_000_000} />
                    </Form.Item>
                    <Form.Item name="within_days" label={t('segments.withinDays')}>
                      <InputNumber min={1} max={365} />
                    </Form.Item>
                  </Space>
                )}
                <Space style={{ marginTop: 16 }}>
                  <Button data-testid="segment-preview" loading={previewM.isPending} onClick={() => form.validateFields().then((v) => previewM.mutate(v)).catch(() => {})}>
                    {t('segments.preview')}
                  </Button>
                  <Button type="primary" htmlType="submit" data-testid="segment-save" loading={create.isPending}>
                    {t('common.save')}
                  </Button>
                </Space>
                {preview !== null && <Statistic style={{ marginTop: 12 }} title={t('segments.previewCount')} value={num(preview)} data-testid="segment-preview-count" />}
              </Form>
            </Card>
          </Col>
        )}
      </Row>
      {selected && <SizeHistory key={`sizes-${selected.id}`} segment={selected} />}
      {selected && <Members key={selected.id} segment={selected} />}
    </div>
  );
}

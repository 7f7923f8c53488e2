// One user: profile and traits (as text), points balances and ledger, adjust points with a
// reason, block / unblock; the user's messages, coupons, level and badges, events timeline, and erase.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Descriptions, Empty, Form, Input, InputNumber, Modal, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useParams } from 'react-router';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { CouponsCard, EraseUser, EventsCard, LevelBadgesCard, MessagesCard } from '../components/UserCards.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ApiError, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';

function Ledger({ userId, type }: { userId: string; type: string }) {
  const { t, date, num } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const query = { limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const entries = useQuery({ queryKey: ['ledger', appId, userId, type, query], queryFn: () => ok(api.GET('/v1/users/{userId}/points/{type}/entries', { params: { path: { userId, type }, query } })) });
  if (entries.isError) return <ErrorState error={entries.error} retry={() => entries.refetch()} />;
  return (
    <>
      <Table<Schemas['PointsEntry']>
        data-testid="ledger"
        rowKey="id"
        size="small"
        loading={entries.isPending}
        dataSource={entries.data?.data ?? []}
        pagination={false}
        locale={{ emptyText: t('points.emptyLedger') }}
        columns={[
          { title: t('audit.time'), dataIndex: 'created_at', render: (d: string) => date(d) },
          { title: t('points.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{t(`points.kind.${k}` as 'points.kind.earn')}</Tag> },
          { title: t('points.amount'), dataIndex: 'amount', render: (a: number) => <span data-testid="ledger-amount">{a > 0 ? `+${num(a)}` : num(a)}</span> },
          { title: t('points.balanceAfter'), dataIndex: 'balance_after', render: (b: number) => num(b) },
          { title: t('points.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '—' },
        ]}
      />
      <CursorPager pager={pager} nextCursor={entries.data?.next_cursor} />
    </>
  );
}


/** The segments the user is in now and their RFM class with R/F/M scores. */
function SegmentsCard({ userId }: { userId: string }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const mine = useQuery({ queryKey: ['user.segments', appId, userId], queryFn: () => ok(api.GET('/v1/users/{userId}/segments', { params: { path: { userId } } })) });
  const all = useQuery({ queryKey: ['segments.all', appId], queryFn: () => ok(api.GET('/v1/segments', { params: { query: { limit: 100 } } })) });
  const rfm = useQuery({ queryKey: ['user.rfm', appId, userId], queryFn: () => ok(api.GET('/v1/users/{userId}/rfm', { params: { path: { userId } } })) });
  const names = new Map((all.data?.data ?? []).map((x) => [x.id, x.name]));
  const r = rfm.data?.rfm;
  return (
    <Card title={t('users.segmentsRfm')} loading={mine.isPending || rfm.isPending}>
      {mine.isError ? (
        <ErrorState error={mine.error} retry={() => mine.refetch()} />
      ) : (
        <Space direction="vertical" style={{ width: '100%' }}>
          <div data-testid="user-segments">
            {(mine.data?.data ?? []).length === 0 ? <Typography.Text type="secondary">{t('users.noSegments')}</Typography.Text> : (mine.data?.data ?? []).map((m) => <Tag key={m.segment_id} title={date(m.entered_at)}>{names.get(m.segment_id) ?? m.segment_id}</Tag>)}
          </div>
          <div data-testid="user-rfm">
            {r ? (
              <Space wrap>
                <Tag color="volcano">{t(`rfm.${r.class}`)}</Tag>
                <Typography.Text>{`R ${r.r_score} · F ${r.f_score} · M ${r.m_score}`}</Typography.Text>
                <Typography.Text type="secondary">{t('users.rfmFigures', { days: r.recency_days.toFixed(1), f: r.frequency, m: r.monetary })}</Typography.Text>
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('users.noRfm')}</Typography.Text>
            )}
          </div>
        </Space>
      )}
    </Card>
  );
}

export default function UserDetail() {
  const { userId = '' } = useParams();
  const { t, date, num } = useI18n();
  const { appId, role } = useCurrent();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const user = useQuery({ queryKey: ['user', appId, userId], queryFn: () => ok(api.GET('/v1/users/{userId}', { params: { path: { userId } } })) });
  const points = useQuery({ queryKey: ['points', appId, userId], queryFn: () => ok(api.GET('/v1/users/{userId}/points', { params: { path: { userId } } })), enabled: user.isSuccess && can(role, 'points.read') });
  const types = useQuery({ queryKey: ['pointTypes', appId], queryFn: () => ok(api.GET('/v1/points/types')), enabled: can(role, 'points.adjust') });
  const [type, setType] = useState<string | null>(null);
  const [adjusting, setAdjusting] = useState(false);
  const [blocking, setBlocking] = useState(false);
  const balances = points.data?.data ?? [];
  const shownType = type ?? balances[0]?.type ?? null;

  const adjust = useMutation({
    mutationFn: (v: { type: string; amount: number; reason: string }) => ok(api.POST('/v1/users/{userId}/points/adjust', { params: { path: { userId } }, body: { ...v, idempotency_key: crypto.randomUUID() } })),
    onSuccess: (r) => {
      setAdjusting(false);
      setType(r.type);
      message.success(t('points.adjusted', { balance: num(r.balance_after) }));
      qc.invalidateQueries({ queryKey: ['points', appId, userId] });
      qc.invalidateQueries({ queryKey: ['ledger', appId, userId] });
    },
    onError: (e) => message.error(errorText(e)),
  });
  const block = useMutation({
    mutationFn: (v: { reason?: string }) => ok(api.PUT('/v1/moderation/blocks/{userId}', { params: { path: { userId } }, body: v })),
    onSuccess: () => {
      setBlocking(false);
      message.success(t('users.blocked'));
    },
    onError: (e) => message.error(errorText(e)),
  });
  const unblock = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/moderation/blocks/{userId}', { params: { path: { userId } } })),
    onSuccess: () => message.success(t('users.unblocked')),
    onError: (e) => message.error(errorText(e)),
  });

  if (user.isError) {
    if (user.error instanceof ApiError && user.error.status === 404) return <Empty description={t('users.notFound', { id: userId })} />;
    return <ErrorState error={user.error} retry={() => user.refetch()} />;
  }
  if (user.isPending) return <Card loading />;
  const u = user.data;
  const typeOptions = [...new Set([...(types.data?.data ?? []).map((x) => x.key), ...balances.map((b) => b.type)])].map((x) => ({ value: x, label: x }));

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('users.profile')} · <span data-testid="user-id">{u.user_id}</span>
        </Typography.Title>
        <Space>
          {can(role, 'points.adjust') && (
            <Button type="primary" onClick={() => setAdjusting(true)} data-testid="adjust-points">
              {t('points.adjust')}
            </Button>
          )}
          {can(role, 'content.moderate') && (
            <>
              <Button danger onClick={() => setBlocking(true)} data-testid="block-user">
                {t('users.block')}
              </Button>
              <Button onClick={() => unblock.mutate()} loading={unblock.isPending}>
                {t('users.unblock')}
              </Button>
            </>
          )}
          {can(role, 'users.write') && <EraseUser userId={userId} />}
        </Space>
      </Space>
      <Card>
        <Descriptions column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t('users.id')}>{u.user_id}</Descriptions.Item>
          <Descriptions.Item label={t('users.timezone')}>{u.timezone ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('users.locale')}>{u.locale ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('common.created')}>{date(u.created_at)}</Descriptions.Item>
          <Descriptions.Item label={t('users.updated')}>{date(u.updated_at)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={t('users.traits')}>
        <Table
          data-testid="traits"
          size="small"
          rowKey="key"
          pagination={false}
          locale={{ emptyText: t('users.noTraits') }}
          dataSource={Object.entries(u.traits ?? {}).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }))}
          columns={[
            { title: t('users.trait'), dataIndex: 'key', render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
            { title: t('users.value'), dataIndex: 'value', render: (v: string) => <span data-testid="trait-value">{v}</span> },
          ]}
        />
      </Card>
      {can(role, 'analytics.read') && can(role, 'users.read') && <SegmentsCard userId={userId} />}
      {can(role, 'points.read') && (
        <Card title={t('points.title')}>
          {points.isError ? (
            <ErrorState error={points.error} retry={() => points.refetch()} />
          ) : points.isPending ? (
            <Card loading bordered={false} />
          ) : balances.length === 0 ? (
            <Empty description={t('points.none')} />
          ) : (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Space size="large" wrap>
                {balances.map((b) => (
                  <Card key={b.type} size="small" hoverable onClick={() => setType(b.type)} style={{ borderColor: b.type === shownType ? '#d4380d' : undefined }}>
                    <Statistic title={b.type} value={num(b.balance)} valueRender={(n) => <span data-testid={`balance-${b.type}`}>{n}</span>} />
                    <Typography.Text type="secondary">{t('points.earnedSpent', { earned: num(b.earned), spent: num(b.spent) })}</Typography.Text>
                  </Card>
                ))}
              </Space>
              {shownType && <Ledger key={shownType} userId={userId} type={shownType} />}
            </Space>
          )}
        </Card>
      )}
      {can(role, 'messaging.read') && <MessagesCard userId={userId} />}
      {can(role, 'users.read') && <CouponsCard userId={userId} />}
      {can(role, 'gamification.read') && <LevelBadgesCard userId={userId} />}
      {can(role, 'events.read') && <EventsCard userId={userId} />}
      <Modal open={adjusting} title={t('points.adjust')} onCancel={() => setAdjusting(false)} footer={null} destroyOnHidden>
        <Form layout="vertical" initialValues={{ type: shownType ?? typeOptions[0]?.value }} onFinish={(v) => adjust.mutate(v)}>
          <Form.Item name="type" label={t('points.type')} rules={[{ required: true, message: t('points.typeRequired') }]}>
            <Select options={typeOptions} data-testid="adjust-type" />
          </Form.Item>
          <Form.Item name="amount" label={t('points.amount')} extra={t('points.amountHint')} rules={[{ required: true, message: t('points.amountRequired') }]}>
            <InputNumber precision={0} style={{ width: '100%' }} data-testid="adjust-amount" />
          </Form.Item>
          <Form.Item name="reason" label={t('points.reason')} rules={[{ required: true, whitespace: true, message: t('points.reasonRequired') }]}>
            <Input.TextArea maxLength={500} data-testid="adjust-reason" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={adjust.isPending} data-testid="adjust-submit">
            {t('common.save')}
          </Button>
        </Form>
      </Modal>
      <Modal open={blocking} title={t('users.block')} onCancel={() => setBlocking(false)} footer={null} destroyOnHidden>
        <Form layout="vertical" onFinish={(v: { reason?: string }) => block.mutate(v.reason ? { reason: v.reason } : {})}>
          <Form.Item name="reason" label={t('points.reason')}>
            <Input maxLength={500} />
          </Form.Item>
          <Button danger htmlType="submit" loading={block.isPending}>
            {t('users.block')}
          </Button>
        </Form>
      </Modal>
    </Space>
  );
}

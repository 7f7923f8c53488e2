// The live monitor of a flash sale (秒杀大屏): every second, each item's stock left (with sold /
// held), the sale's reservations, confirmed and released units, buyers and revenue (the report's
// kind figures), reservations and rejections per second derived from two samples, the refusals
// by reason (sold out, limit reached…; each server adds its count about every second), and the
// latest reservations.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, InputNumber, Progress, Row, Space, Statistic, Table, Tag } from 'antd';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';

const TrendChart = lazy(() => import('../components/TrendChart.tsx'));

type Campaign = Schemas['Campaign'];
type Details = { reservations?: number; held_units?: number; confirmed_units?: number; released_units?: number; expired_units?: number; buyers?: number; revenue?: number; rejections?: number; rejections_by_reason?: Record<string, number> };
type Sample = { at: string; remaining: number; rate: number; rejected: number };
/** Refusal reasons (error codes) with a name; others show their code. */
const REASONS: Record<string, MessageKey> = {
  'flash_sale.sold_out': 'monitor.reason.soldOut',
  'flash_sale.limit_reached': 'monitor.reason.limit',
  'campaigns.user_limit_reached': 'monitor.reason.campaignLimit',
  'flash_sale.not_started': 'monitor.reason.notStarted',
  'flash_sale.ended': 'monitor.reason.ended',
  'flash_sale.token_required': 'monitor.reason.token',
  'flash_sale.token_invalid': 'monitor.reason.token',
  'campaigns.not_active': 'monitor.reason.notActive',
};
const yuan = (m: number | undefined) => (m === undefined ? '—' : `¥${(m / 100).toFixed(2)}`);

/** Restock an item (or take back unsold units): its new total stock, also while the sale runs. */
function Restock({ itemId, stock }: { itemId: string; stock: number }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [value, setValue] = useState<number | null>(stock);
  const save = useMutation({
    mutationFn: (n: number) => ok(api.PUT('/v1/flash-sale/items/{itemId}/stock', { params: { path: { itemId } }, body: { stock: n } })),
    onSuccess: () => (void message.success(t('monitor.restocked')), void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('campaigns.monitor') })),
    onError: (e) => void message.error(errorText(e)),
  });
  return (
    <Space size={4}>
      <InputNumber data-testid="monitor-restock-value" size="small" min={0} precision={0} value={value} onChange={setValue} style={{ width: 90 }} />
      <Button size="small" data-testid="monitor-restock" disabled={value === null || value === stock} loading={save.isPending} onClick={() => value !== null && save.mutate(value)}>
        {t('monitor.restock')}
      </Button>
    </Space>
  );
}

export default function FlashSaleMonitor({ campaign }: { campaign: Campaign }) {
  const { t, num } = useI18n();
  const { appId, role } = useCurrent();
  const live = campaign.status === 'running' || campaign.status === 'scheduled';
  const every = live ? 1000 : false;
  const sessions = useQuery({
    queryKey: ['campaigns.monitor.sessions', appId, campaign.id],
    queryFn: () => ok(api.GET('/v1/campaigns/{campaignId}/flash-sale/sessions', { params: { path: { campaignId: campaign.id } } })),
    refetchInterval: every,
    staleTime: 0,
  });
  const mayReport = can(role, 'analytics.read');
  const mayManage = can(role, 'campaigns.manage') && (campaign.status === 'draft' || campaign.status === 'scheduled' || campaign.status === 'running');
  const report = useQuery({
    queryKey: ['campaigns.monitor.report', appId, campaign.id],
    enabled: mayReport,
    queryFn: () => ok(api.GET('/v1/campaigns/{campaignId}/report', { params: { path: { campaignId: campaign.id }, query: {} } })),
    refetchInterval: every,
    staleTime: 0,
  });
  const latest = useQuery({
    queryKey: ['campaigns.monitor.reservations', appId, campaign.id],
    queryFn: () => ok(api.GET('/v1/flash-sale/reservations', { params: { query: { campaign_id: campaign.id, limit: 10 } } })),
    refetchInterval: live ? 2000 : false,
    staleTime: 0,
  });
  const items = (sessions.data?.data ?? []).flatMap((s) => s.items.map((i) => ({ ...i, session: s.name || s.id })));
  const stock = items.reduce((a, i) => a + i.stock, 0);
  const remaining = items.reduce((a, i) => a + i.remaining, 0);
  const d = (report.data?.details ?? {}) as Details;
  // Reservations and rejections per second, from the change between two samples of the report.
  const last = useRef<{ t: number; n: number; r: number } | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => {
    if (!sessions.data) return;
    const now = Date.now();
    const n = d.reservations ?? 0;
    const r = d.rejections ?? 0;
    const prev = last.current;
    const per = (a: number, b: number) => (prev && now > prev.t ? Math.round(Math.max(0, ((a - b) * 1000) / (now - prev.t)) * 10) / 10 : 0);
    const rate = per(n, prev?.n ?? 0);
    const rejected = per(r, prev?.r ?? 0);
    last.current = { t: now, n, r };
    setSamples((s) => [...s.slice(-59), { at: new Date(now).toLocaleTimeString(), remaining, rate, rejected }]);
  }, [sessions.dataUpdatedAt]);
  const reasons = Object.entries(d.rejections_by_reason ?? {}).sort((a, b) => b[1] - a[1]);
  if (sessions.isError) return <ErrorState error={sessions.error} retry={() => sessions.refetch()} />;
  const stat = (key: MessageKey, v: string | number, testId?: string) => (
    <Col span={6}>
      <Statistic title={t(key)} value={v} data-testid={testId} loading={sessions.isPending} />
    </Col>
  );
  return (
    <Card size="small" title={t('monitor.title')} data-testid="flash-monitor" extra={live ? <Tag color="green">{t('monitor.live')}</Tag> : <Tag>{t('monitor.stopped')}</Tag>}>
      <Row gutter={16}>
        {stat('monitor.remaining', num(remaining), 'monitor-remaining')}
        {stat('monitor.stock', num(stock), 'monitor-stock')}
        {stat('monitor.reservationsPerSecond', samples.at(-1)?.rate ?? 0, 'monitor-rate')}
        {stat('monitor.reservations', mayReport ? num(d.reservations ?? 0) : '—', 'monitor-reservations')}
      </Row>
      {mayReport ? (
        <Row gutter={16} style={{ marginTop: 12 }}>
          {stat('monitor.held', num(d.held_units ?? 0), 'monitor-held')}
          {stat('monitor.confirmed', num(d.confirmed_units ?? 0), 'monitor-confirmed')}
          {stat('monitor.releasedExpired', num((d.released_units ?? 0) + (d.expired_units ?? 0)))}
          {stat('monitor.revenue', yuan(d.revenue))}
        </Row>
      ) : null}
      {report.isError ? <ErrorState error={report.error} retry={() => report.refetch()} /> : null}
      {mayReport ? (
        <Row gutter={16} style={{ marginTop: 12 }}>
          {stat('monitor.rejectionsPerSecond', samples.at(-1)?.rejected ?? 0, 'monitor-rejection-rate')}
          {stat('monitor.rejections', num(d.rejections ?? 0), 'monitor-rejections')}
          <Col span={12}>
            <div style={{ color: 'rgba(0,0,0,0.45)', marginBottom: 4 }}>{t('monitor.byReason')}</div>
            <Space size={[4, 4]} wrap data-testid="monitor-reasons">
              {reasons.length === 0 ? <span>—</span> : null}
              {reasons.map(([code, n]) => (
                <Tag key={code} data-testid="monitor-reason">
                  {REASONS[code] ? t(REASONS[code]) : code} {num(n)}
                </Tag>
              ))}
            </Space>
          </Col>
        </Row>
      ) : null}
      <Suspense fallback={null}>
        {samples.length > 1 ? (
          <TrendChart
            height={220}
            x={samples.map((s) => s.at)}
            series={[
              { name: t('monitor.remaining'), data: samples.map((s) => s.remaining) },
              { name: t('monitor.reservationsPerSecond'), data: samples.map((s) => s.rate) },
              ...(mayReport ? [{ name: t('monitor.rejectionsPerSecond'), data: samples.map((s) => s.rejected) }] : []),
            ]}
          />
        ) : null}
      </Suspense>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        style={{ marginTop: 12 }}
        dataSource={items}
        locale={{ emptyText: t('monitor.noItems') }}
        columns={[
          { title: t('monitor.session'), dataIndex: 'session' },
          { title: t('wizard.itemName'), key: 'n', render: (_: unknown, i) => i.name || i.product_id },
          { title: t('wizard.salePrice'), dataIndex: 'sale_price', render: (v: number) => yuan(v) },
          { title: t('monitor.remaining'), key: 'r', render: (_: unknown, i) => <span data-testid="monitor-item-remaining">{`${num(i.remaining)} / ${num(i.stock)}`}</span> },
          { title: t('monitor.soldOrHeld'), key: 'p', render: (_: unknown, i) => <Progress size="small" percent={i.stock ? Math.round(((i.stock - i.remaining) / i.stock) * 100) : 0} /> },
          ...(mayManage ? [{ title: t('monitor.totalStock'), key: 's', render: (_: unknown, i: (typeof items)[number]) => <Restock key={`${i.id}-${i.stock}`} itemId={i.id} stock={i.stock} /> }] : []),
        ]}
      />
      <Card size="small" type="inner" title={t('monitor.latest')} style={{ marginTop: 12 }}>
        {latest.isError ? (
          <ErrorState error={latest.error} retry={() => latest.refetch()} />
        ) : (
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            loading={latest.isPending}
            dataSource={latest.data?.data ?? []}
            locale={{ emptyText: t('monitor.noReservations') }}
            columns={[
              { title: t('coupons.user'), dataIndex: 'user_id' },
              { title: t('monitor.quantity'), dataIndex: 'quantity' },
              { title: t('campaigns.statusLabel'), dataIndex: 'status', render: (s: string) => <Tag>{t(`monitor.rstatus.${s}` as MessageKey)}</Tag> },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => new Date(v).toLocaleTimeString() },
            ]}
          />
        )}
      </Card>
    </Card>
  );
}

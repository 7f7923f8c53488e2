// Today's key figures and the last 30 days from the analytics module (/v1/analytics/*).
import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, Row, Skeleton, Statistic, Typography } from 'antd';
import { lazy, Suspense, useMemo } from 'react';
import { ErrorState } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';

const TrendChart = lazy(() => import('../components/TrendChart.tsx'));

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export default function Dashboard() {
  const { t, num, day } = useI18n();
  const { appId } = useCurrent();
  // The server counts days in the app's time zone; asking one day beyond UTC today covers it.
  const to = isoDay(new Date(Date.now() + 86_400_000));
  const from = isoDay(new Date(Date.now() - 30 * 86_400_000));
  const active = useQuery({ queryKey: ['analytics.active', appId, from, to], queryFn: () => ok(api.GET('/v1/analytics/active-users', { params: { query: { from, to } } })) });
  const engagement = useQuery({ queryKey: ['analytics.engagement', appId, from, to], queryFn: () => ok(api.GET('/v1/analytics/engagement', { params: { query: { from, to } } })) });

  const days = active.data?.days ?? [];
  const today = days.at(-1);
  const engToday = engagement.data?.days.at(-1);
  const events = engToday?.families.reduce((n, f) => n + f.count, 0) ?? 0;
  const x = useMemo(() => days.map((d) => day(d.day)), [days, day]);
  const series = useMemo(
    () => [
      { name: t('dashboard.dauSeries'), data: days.map((d) => d.dau) },
      { name: t('dashboard.newSeries'), data: days.map((d) => d.new) },
    ],
    [days, t],
  );

  if (active.isError) return <ErrorState error={active.error} retry={() => active.refetch()} />;
  const figure = (title: string, value: number | undefined, id: string) => (
    <Col xs={12} md={6}>
      <Card>
        <Statistic title={title} value={value === undefined ? '—' : num(value)} loading={active.isPending} data-testid={`kpi-${id}`} />
      </Card>
    </Col>
  );
  return (
    <div>
      <Typography.Title level={3}>{t('nav.dashboard')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('dashboard.today', { tz: active.data?.timezone ?? '…' })}</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        {figure(t('dashboard.dau'), today?.dau, 'dau')}
        {figure(t('dashboard.new'), today?.new, 'new')}
        {figure(t('dashboard.mau'), today?.mau, 'mau')}
        {figure(t('dashboard.events'), engagement.isPending ? undefined : events, 'events')}
      </Row>
      <Card title={t('dashboard.trend')} style={{ marginTop: 16 }}>
        {active.isPending ? (
          <Skeleton active />
        ) : days.every((d) => d.dau === 0 && d.new === 0) ? (
          <Empty description={t('dashboard.noData')} />
        ) : (
          <Suspense fallback={<Skeleton active />}>
            <TrendChart x={x} series={series} />
          </Suspense>
        )}
      </Card>
      {engagement.data && engToday && engToday.families.length > 0 && (
        <Card title={t('dashboard.families')} style={{ marginTop: 16 }}>
          <Row gutter={[16, 16]}>
            {engToday.families.map((f) => {
              const meta = engagement.data.families.find((m) => m.family === f.family);
              const name = meta ? (t('lang.code') === 'en' ? meta.name.en : meta.name['zh-CN']) : f.family;
              return (
                <Col xs={12} md={6} key={f.family}>
                  <Statistic title={name} value={num(f.count)} suffix={<Typography.Text type="secondary">{t('dashboard.users', { n: num(f.users) })}</Typography.Text>} />
                </Col>
              );
            })}
          </Row>
        </Card>
      )}
    </div>
  );
}

// Analytics: active users (DAU/WAU/MAU) over a date range, the retention cohort table and a funnel
// of chosen events, each filterable by a segment, with CSV downloads of the server's exports.
import { useQuery } from '@tanstack/react-query';
import { App, Button, Card, DatePicker, Empty, InputNumber, Progress, Segmented, Select, Skeleton, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { lazy, Suspense, useMemo, useState } from 'react';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { downloadCsv } from '../lib/download.ts';

const TrendChart = lazy(() => import('../components/TrendChart.tsx'));

const fmt = (d: Dayjs) => d.format('YYYY-MM-DD');

/** The retention cell's background: deeper for a higher rate. */
const heat = (rate: number | null) => (rate === null ? undefined : `rgba(212, 56, 13, ${Math.min(0.85, 0.08 + rate * 0.8).toFixed(2)})`);

export default function Analytics() {
  const { t, num, day, locale } = useI18n();
  const { appId } = useCurrent();
  const { message } = App.useApp();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day'), dayjs()]);
  const [segment, setSegment] = useState<string | undefined>();
  const [unit, setUnit] = useState<'day' | 'week'>('day');
  const [steps, setSteps] = useState<string[]>([]);
  const [windowMinutes, setWindowMinutes] = useState(1440);
  const from = fmt(range[0]);
  const to = fmt(range[1]);
  const base = { from, to, ...(segment ? { segment } : {}) };

  const segments = useQuery({ queryKey: ['segments.all', appId], queryFn: () => ok(api.GET('/v1/segments', { params: { query: { limit: 100 } } })) });
  const active = useQuery({ queryKey: ['analytics.active', appId, base], queryFn: () => ok(api.GET('/v1/analytics/active-users', { params: { query: base } })) });
  const retention = useQuery({ queryKey: ['analytics.retention', appId, base, unit], queryFn: () => ok(api.GET('/v1/analytics/retention', { params: { query: { ...base, unit } } })) });
  const stepsJson = JSON.stringify(steps.map((event) => ({ event })));
  const engagement = useQuery({ queryKey: ['analytics.engagement', appId, base], queryFn: () => ok(api.GET('/v1/analytics/engagement', { params: { query: base } })) });
  const funnel = useQuery({
    queryKey: ['analytics.funnel', appId, base, stepsJson, windowMinutes],
    enabled: steps.length >= 2,
    queryFn: () => ok(api.GET('/v1/analytics/funnels', { params: { query: { ...base, steps: stepsJson, window_minutes: windowMinutes } as never } })),
  });

  const days = active.data?.days ?? [];
  const x = useMemo(() => days.map((d) => day(d.day)), [days, day]);
  const series = useMemo(
    () => [
      { name: t('analytics.dau'), data: days.map((d) => d.dau) },
      { name: t('analytics.wau'), data: days.map((d) => d.wau) },
      { name: t('analytics.mau'), data: days.map((d) => d.mau) },
    ],
    [days, t],
  );
  const query = (extra: Record<string, string | number> = {}) => new URLSearchParams(Object.entries({ ...base, ...extra }).map(([k, v]) => [k, String(v)])).toString();
  const save = (path: string, name: string) => downloadCsv(path, name).catch((e: unknown) => message.error(errorText(e)));

  const periods = retention.data?.periods ?? 0;
  // Stickiness: the latest day's DAU/MAU, and the average over the range's days with any MAU.
  const sticky = days.filter((d) => d.stickiness !== null).map((d) => d.stickiness as number);
  const stickyText = sticky.length ? `${(sticky[sticky.length - 1]! * 100).toFixed(1)}% · ${t('analytics.stickinessAvg', { p: ((sticky.reduce((a, b) => a + b, 0) / sticky.length) * 100).toFixed(1) })}` : '—';
  // Engagement per capability family over the range: events, distinct user-days, mean participation.
  const families = (engagement.data?.families ?? []).map((f) => {
    const rows = (engagement.data?.days ?? []).flatMap((d) => d.families.filter((x) => x.family === f.family));
    const rates = rows.filter((r) => r.participation_rate !== null).map((r) => r.participation_rate as number);
    return {
      family: f.family,
      name: locale === 'en' ? f.name.en : f.name['zh-CN'],
      count: rows.reduce((a, r) => a + r.count, 0),
      users: rows.reduce((a, r) => a + r.users, 0),
      rate: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
    };
  });
  const duration = (s: number | null | undefined) => (s === null || s === undefined ? '' : s < 60 ? t('analytics.seconds', { n: Math.round(s) }) : s < 3600 ? t('analytics.minutesN', { n: Math.round(s / 60) }) : t('analytics.hoursN', { n: (s / 3600).toFixed(1) }));
  return (
    <div>
      <Typography.Title level={3}>{t('nav.analytics')}</Typography.Title>
      <Space wrap style={{ marginBottom: 16 }}>
        <DatePicker.RangePicker data-testid="analytics-range" value={range} allowClear={false} onChange={(v) => v && v[0] && v[1] && setRange([v[0], v[1]])} disabledDate={(d) => d.isAfter(dayjs().add(1, 'day'))} />
        <Select
          data-testid="analytics-segment"
          allowClear
          style={{ minWidth: 220 }}
          placeholder={t('analytics.allUsers')}
          value={segment}
          onChange={(v: string | undefined) => setSegment(v)}
          loading={segments.isPending}
          options={(segments.data?.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
        />
        <Typography.Text type="secondary">{t('dashboard.today', { tz: active.data?.timezone ?? '…' })}</Typography.Text>
        <Typography.Text data-testid="stickiness">{`${t('analytics.stickiness')}: ${stickyText}`}</Typography.Text>
      </Space>

      <Card title={t('analytics.active')} extra={<Button data-testid="export-active" onClick={() => save(`/v1/analytics/active-users/export?${query()}`, `active-users-${from}-${to}.csv`)}>{t('analytics.csv')}</Button>}>
        {active.isError ? (
          <ErrorState error={active.error} retry={() => active.refetch()} />
        ) : active.isPending ? (
          <Skeleton active />
        ) : days.every((d) => d.mau === 0) ? (
          <Empty description={t('dashboard.noData')} />
        ) : (
          <Suspense fallback={<Skeleton active />}>
            <TrendChart x={x} series={series} />
          </Suspense>
        )}
      </Card>

      <Card
        style={{ marginTop: 16 }}
        title={t('analytics.retention')}
        extra={
          <Space>
            <Segmented data-testid="retention-unit" value={unit} onChange={(v) => setUnit(v as 'day' | 'week')} options={[{ value: 'day', label: t('analytics.byDay') }, { value: 'week', label: t('analytics.byWeek') }]} />
            <Button onClick={() => save(`/v1/analytics/retention/export?${query({ unit })}`, `retention-${from}-${to}.csv`)}>{t('analytics.csv')}</Button>
          </Space>
        }
      >
        {retention.isError ? (
          <ErrorState error={retention.error} retry={() => retention.refetch()} />
        ) : (
          <Table
            data-testid="retention-table"
            size="small"
            loading={retention.isPending}
            rowKey="cohort"
            pagination={false}
            scroll={{ x: true }}
            locale={{ emptyText: t('dashboard.noData') }}
            dataSource={(retention.data?.cohorts ?? []).filter((c) => c.size > 0)}
            columns={[
              { title: t('analytics.cohort'), dataIndex: 'cohort', fixed: 'left', width: 120, render: (d: string) => <span style={{ whiteSpace: 'nowrap' }}>{day(d)}</span> },
              { title: t('analytics.size'), dataIndex: 'size', render: (n: number) => num(n) },
              ...Array.from({ length: Math.min(periods, unit === 'day' ? 14 : 12) + 1 }, (_, p) => ({
                title: <span style={{ whiteSpace: 'nowrap' }}>{unit === 'day' ? t('analytics.dayN', { n: p }) : t('analytics.weekN', { n: p })}</span>,
                key: `p${p}`,
                render: (_: unknown, c: { rates: (number | null)[] }) => {
                  const r = c.rates[p] ?? null;
                  return <div style={{ background: heat(r), padding: '0 4px', textAlign: 'right' }}>{r === null ? '' : `${(r * 100).toFixed(1)}%`}</div>;
                },
              })),
            ]}
          />
        )}
      </Card>

      <Card style={{ marginTop: 16 }} title={t('analytics.funnel')}>
        <Space wrap style={{ marginBottom: 12 }}>
          <Select data-testid="funnel-steps" mode="tags" style={{ minWidth: 420 }} placeholder={t('analytics.funnelSteps')} value={steps} onChange={(v: string[]) => setSteps(v.slice(0, 6))} tokenSeparators={[',']} />
          <InputNumber min={1} max={43_200} value={windowMinutes} onChange={(v) => v && setWindowMinutes(v)} addonAfter={t('analytics.minutes')} />
        </Space>
        {steps.length < 2 ? (
          <Empty description={t('analytics.funnelHint')} />
        ) : funnel.isError ? (
          <ErrorState error={funnel.error} retry={() => funnel.refetch()} />
        ) : funnel.isPending ? (
          <Skeleton active />
        ) : (
          <div data-testid="funnel-result">
            {funnel.data.steps.map((s, k) => (
              <div key={k} style={{ marginBottom: 8 }}>
                <Typography.Text>{`${k + 1}. `}</Typography.Text>
                <Typography.Text strong>{steps[k]}</Typography.Text>
                <Typography.Text type="secondary">{` · ${t('dashboard.users', { n: num(s.users) })}`}</Typography.Text>
                {k > 0 && s.median_seconds_from_previous !== null ? <Typography.Text type="secondary" data-testid="funnel-median">{` · ${t('analytics.medianTime', { d: duration(s.median_seconds_from_previous) })}`}</Typography.Text> : null}
                <Progress percent={Math.round((s.conversion_from_start ?? (k === 0 ? 1 : 0)) * 1000) / 10} status="normal" />
              </div>
            ))}
          </div>
        )}
      </Card>

      <Card style={{ marginTop: 16 }} title={t('analytics.engagement')} extra={<Button data-testid="export-engagement" onClick={() => save(`/v1/analytics/engagement/export?${query()}`, `engagement-${from}-${to}.csv`)}>{t('analytics.csv')}</Button>}>
        {engagement.isError ? (
          <ErrorState error={engagement.error} retry={() => engagement.refetch()} />
        ) : (
          <Table
            data-testid="engagement-table"
            size="small"
            loading={engagement.isPending}
            rowKey="family"
            pagination={false}
            locale={{ emptyText: t('dashboard.noData') }}
            dataSource={families}
            columns={[
              { title: t('analytics.capability'), dataIndex: 'name' },
              { title: t('analytics.eventCount'), dataIndex: 'count', align: 'right', render: (n: number) => num(n) },
              { title: t('analytics.userDays'), dataIndex: 'users', align: 'right', render: (n: number) => num(n) },
              { title: t('analytics.participation'), dataIndex: 'rate', align: 'right', render: (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`) },
            ]}
          />
        )}
      </Card>
    </div>
  );
}

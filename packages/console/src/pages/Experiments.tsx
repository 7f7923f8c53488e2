// Experiments and goals: every experiment with its status, and the report of the selected one
// (each arm against the control with the difference, its 95% interval and p-value; a sample-ratio
// mismatch shown first, because it makes the rest untrustworthy); KPI goals with their progress.
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Progress, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ErrorState } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';

const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);
const STATUS_COLOR: Record<string, string> = { draft: 'default', running: 'processing', stopped: 'default', achieved: 'success', on_track: 'processing', off_track: 'warning', missed: 'error' };

type Arm = { arm: string; users: number; value: number | null; conversions: number | null; vs_control: { difference: number; ci95: number[]; p_value: number } | null };

function Report({ experiment }: { experiment: Schemas['Experiment'] }) {
  const { t, num } = useI18n();
  const { appId } = useCurrent();
  const r = useQuery({ queryKey: ['experiments.report', appId, experiment.id], queryFn: () => ok(api.GET('/v1/experiments/{experimentId}/report', { params: { path: { experimentId: experiment.id } } })) });
  const conversion = (experiment.goal as { kind?: string }).kind === 'conversion';
  if (r.isError) return <ErrorState error={r.error} retry={() => r.refetch()} />;
  return (
    <Card style={{ marginTop: 16 }} title={<span data-testid="experiment-report-title">{t('experiments.reportOf', { name: experiment.name })}</span>} loading={r.isPending}>
      {r.data?.sample_ratio.mismatch && <Alert type="error" showIcon data-testid="srm-warning" style={{ marginBottom: 12 }} message={t('experiments.srm')} description={t('experiments.srmHelp', { p: r.data.sample_ratio.p_value.toExponential(2) })} />}
      <Table<Arm>
        data-testid="experiment-arms"
        rowKey="arm"
        size="small"
        pagination={false}
        dataSource={r.data?.arms ?? []}
        columns={[
          { title: t('experiments.arm'), dataIndex: 'arm', render: (a: string) => (a === r.data?.control ? <>{a} <Tag>{t('experiments.control')}</Tag></> : a === 'holdout' ? <>{a} <Tag color="purple">{t('experiments.holdout')}</Tag></> : a) },
          { title: t('experiments.users'), dataIndex: 'users', render: (n: number) => num(n) },
          { title: conversion ? t('experiments.rate') : t('experiments.mean'), dataIndex: 'value', render: (v: number | null) => (v === null ? '—' : conversion ? pct(v, 2) : v.toFixed(2)) },
          {
            title: t('experiments.difference'),
            key: 'diff',
            render: (_: unknown, a) =>
              a.vs_control ? `${conversion ? pct(a.vs_control.difference, 2) : a.vs_control.difference.toFixed(2)} [${conversion ? pct(a.vs_control.ci95[0], 2) : (a.vs_control.ci95[0] ?? 0).toFixed(2)}, ${conversion ? pct(a.vs_control.ci95[1], 2) : (a.vs_control.ci95[1] ?? 0).toFixed(2)}]` : '—',
          },
          {
            title: t('experiments.pValue'),
            key: 'p',
            render: (_: unknown, a) =>
              a.vs_control ? <Tag color={a.vs_control.p_value < 0.05 ? 'green' : 'default'}>{a.vs_control.p_value < 0.0001 ? '< 0.0001' : a.vs_control.p_value.toFixed(4)}</Tag> : '—',
          },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
        {conversion ? t('experiments.zTest') : t('experiments.welch')}
      </Typography.Paragraph>
    </Card>
  );
}

function GoalRow({ goal }: { goal: Schemas['Goal'] }) {
  const { t } = useI18n();
  const { appId } = useCurrent();
  const g = useQuery({ queryKey: ['goals.one', appId, goal.id], queryFn: () => ok(api.GET('/v1/goals/{goalId}', { params: { path: { goalId: goal.id } } })) });
  const latest = g.data?.latest;
  return (
    <div style={{ marginBottom: 12 }} data-testid="goal">
      <Typography.Text strong>{goal.name}</Typography.Text>{' '}
      {latest ? <Tag color={STATUS_COLOR[latest.status]}>{t(`goals.${latest.status}`)}</Tag> : <Tag>{t('goals.notMeasured')}</Tag>}
      <Typography.Text type="secondary">{` ${goal.baseline} → ${goal.target} · ${goal.due_day}`}</Typography.Text>
      <Progress percent={Math.max(0, Math.min(100, Math.round((latest?.progress ?? 0) * 100)))} />
    </div>
  );
}

export default function Experiments() {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const [selected, setSelected] = useState<Schemas['Experiment'] | null>(null);
  const list = useQuery({ queryKey: ['experiments.all', appId], queryFn: () => ok(api.GET('/v1/experiments', { params: { query: { limit: 100 } } })) });
  const goals = useQuery({ queryKey: ['goals.all', appId], queryFn: () => ok(api.GET('/v1/goals', { params: { query: { limit: 100 } } })) });
  return (
    <div>
      <Typography.Title level={3}>{t('nav.experiments')}</Typography.Title>
      <Card title={t('experiments.list')}>
        {list.isError ? (
          <ErrorState error={list.error} retry={() => list.refetch()} />
        ) : (
          <Table<Schemas['Experiment']>
            data-testid="experiments-table"
            rowKey="id"
            size="small"
            loading={list.isPending}
            pagination={false}
            locale={{ emptyText: t('experiments.empty') }}
            dataSource={list.data?.data ?? []}
            onRow={(e) => ({ onClick: () => setSelected(e), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('segments.name'), dataIndex: 'name', render: (n: string) => <span data-testid="experiment-name">{n}</span> },
              { title: t('experiments.key'), dataIndex: 'key' },
              { title: t('experiments.status'), dataIndex: 'status', render: (s: string) => <Tag color={STATUS_COLOR[s]}>{t(`experiments.${s}` as 'experiments.draft')}</Tag> },
              { title: t('experiments.arms'), dataIndex: 'variants', render: (v: { key: string }[], e) => `${v.map((x) => x.key).join(' / ')}${e.holdout_percent ? ` + ${e.holdout_percent}% holdout` : ''}` },
              { title: t('experiments.started'), dataIndex: 'started_at', render: (d: string | null) => (d ? date(d) : '—') },
            ]}
          />
        )}
      </Card>
      {selected && <Report key={selected.id} experiment={selected} />}
      <Card style={{ marginTop: 16 }} title={t('goals.title')} loading={goals.isPending}>
        {goals.isError ? <ErrorState error={goals.error} retry={() => goals.refetch()} /> : (goals.data?.data ?? []).length === 0 ? <Typography.Text type="secondary">{t('goals.empty')}</Typography.Text> : goals.data!.data.map((g) => <GoalRow key={g.id} goal={g} />)}
      </Card>
    </div>
  );
}

// Who takes part in a campaign, per kind (cursor pages): 拼团 teams with their members, 砍价
// bargains with their current price and cuts, presale orders, crowdfunding progress with its tiers
// and pledges, referrals. Flash sales have the live monitor instead.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Card, Progress, Space, Statistic, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';

type Campaign = Schemas['Campaign'];
type Row = Record<string, unknown> & { id?: string };
const yuan = (m: unknown) => (typeof m === 'number' ? `¥${(m / 100).toFixed(2)}` : '—');

function fetcher(c: Campaign, query: { limit: number; cursor?: string }): Promise<{ data: Row[]; next_cursor: string | null }> | null {
  const path = { campaignId: c.id };
  switch (c.kind) {
    case 'group_buy':
      return ok(api.GET('/v1/campaigns/{campaignId}/group-buy/teams', { params: { path, query } })) as never;
    case 'bargain':
      return ok(api.GET('/v1/campaigns/{campaignId}/bargains', { params: { path, query } })) as never;
    case 'presale':
      return ok(api.GET('/v1/campaigns/{campaignId}/presale/orders', { params: { path, query } })) as never;
    case 'crowdfunding':
      return ok(api.GET('/v1/campaigns/{campaignId}/crowdfunding/pledges', { params: { path, query } })) as never;
    case 'referral':
      return ok(api.GET('/v1/campaigns/{campaignId}/referrals', { params: { path, query } })) as never;
    default:
      return null;
  }
}

function CrowdfundingProgress({ campaign }: { campaign: Campaign }) {
  const { t, num } = useI18n();
  const { appId } = useCurrent();
  const r = useQuery({ queryKey: ['campaigns.crowdfunding', appId, campaign.id], queryFn: () => ok(api.GET('/v1/campaigns/{campaignId}/crowdfunding', { params: { path: { campaignId: campaign.id } } })) });
  if (r.isError) return <ErrorState error={r.error} retry={() => r.refetch()} />;
  const d = r.data;
  if (!d) return null;
  const value = d.goal_type === 'amount' ? d.pledged_amount : d.backers;
  return (
    <Space direction="vertical" style={{ width: '100%', marginBottom: 12 }}>
      <Space size="large">
        <Statistic title={t('participants.pledged')} value={yuan(d.pledged_amount)} />
        <Statistic title={t('participants.backers')} value={num(d.backers)} />
        <Tag color={d.result === 'succeeded' ? 'green' : d.result === 'failed' ? 'red' : 'blue'}>{t(d.funded ? 'participants.funded' : 'participants.notFunded')}</Tag>
      </Space>
      <Progress percent={Math.min(100, Math.round((value / d.goal) * 100))} />
      <Table size="small" rowKey="id" pagination={false} dataSource={d.tiers} columns={[{ title: t('wizard.tierName'), dataIndex: 'name' }, { title: t('wizard.tierAmount'), dataIndex: 'amount', render: yuan }, { title: t('participants.taken'), key: 'x', render: (_: unknown, x) => (x.limit ? `${x.taken} / ${x.limit}` : x.taken) }]} />
    </Space>
  );
}

export default function Participants({ campaign }: { campaign: Campaign }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const query = { limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const q = useQuery({
    queryKey: ['campaigns.participants', appId, campaign.id, query],
    queryFn: () => fetcher(campaign, query)!,
    enabled: campaign.kind !== 'flash_sale',
    placeholderData: keepPreviousData,
    refetchInterval: campaign.status === 'running' ? 3000 : false,
  });
  const status = (v: unknown) => <Tag>{t(`participants.status.${String(v)}` as MessageKey)}</Tag>;
  const cols: Record<string, ColumnsType<Row>> = {
    group_buy: [
      { title: t('participants.leader'), dataIndex: 'leader_user_id' },
      { title: t('participants.members'), key: 'm', render: (_, r) => `${String(r.member_count)} / ${String(r.size)}` },
      { title: t('participants.paid'), dataIndex: 'confirmed_count' },
      { title: t('participants.shareCode'), dataIndex: 'share_code' },
      { title: t('campaigns.statusLabel'), dataIndex: 'status', render: status },
      { title: t('participants.expires'), dataIndex: 'expires_at', render: (v: string) => date(v) },
    ],
    bargain: [
      { title: t('coupons.user'), dataIndex: 'user_id' },
      { title: t('participants.currentPrice'), dataIndex: 'current_price', render: yuan },
      { title: t('participants.cuts'), key: 'c', render: (_, r) => `${String(r.cuts)} / ${String(r.max_cuts)}` },
      { title: t('campaigns.statusLabel'), dataIndex: 'status', render: status },
      { title: t('participants.expires'), dataIndex: 'expires_at', render: (v: string) => date(v) },
    ],
    presale: [
      { title: t('coupons.user'), dataIndex: 'user_id' },
      { title: t('wizard.deposit'), dataIndex: 'deposit', render: yuan },
      { title: t('participants.finalAmount'), dataIndex: 'final_amount', render: yuan },
      { title: t('campaigns.statusLabel'), dataIndex: 'status', render: status },
      { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
    ],
    crowdfunding: [
      { title: t('coupons.user'), dataIndex: 'user_id' },
      { title: t('participants.tier'), dataIndex: 'tier_id' },
      { title: t('wizard.tierAmount'), dataIndex: 'amount', render: yuan },
      { title: t('campaigns.statusLabel'), dataIndex: 'status', render: status },
      { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
    ],
    referral: [
      { title: t('participants.inviter'), dataIndex: 'inviter_user_id' },
      { title: t('participants.invitee'), dataIndex: 'invitee_user_id' },
      { title: t('campaigns.statusLabel'), dataIndex: 'status', render: status },
      { title: t('participants.attributed'), dataIndex: 'attributed_at', render: (v: string) => date(v) },
    ],
  };
  if (campaign.kind === 'flash_sale') return null;
  return (
    <Card size="small" title={t('participants.title')} data-testid="campaign-participants">
      {campaign.kind === 'crowdfunding' ? <CrowdfundingProgress campaign={campaign} /> : null}
      {q.isError ? (
        <ErrorState error={q.error} retry={() => q.refetch()} />
      ) : (
        <>
          <Table<Row>
            size="small"
            rowKey={(r) => String(r.id ?? `${String(r.inviter_user_id)}-${String(r.invitee_user_id)}`)}
            loading={q.isPending}
            pagination={false}
            dataSource={q.data?.data ?? []}
            locale={{ emptyText: t('participants.empty') }}
            columns={cols[campaign.kind]}
          />
          <CursorPager pager={pager} nextCursor={q.data?.next_cursor} />
        </>
      )}
    </Card>
  );
}

// Campaigns (活动): the list newest first with kind, status and budget (filter by kind and status,
// cursor pages); the creation wizard per kind (CampaignWizard.tsx); the selected campaign with
// schedule / cancel, the live monitor of a flash sale (CampaignMonitor.tsx) with its sessions,
// to which sessions and items are added until the sale ends, and its report (participants,
// successes, cost, attributed conversions of a host event); and the coupons tab
// (CampaignCoupons.tsx): templates, issuing, a user's coupons.
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Space, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { showFieldErrors } from '../components/fieldErrors.ts';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import Coupons from './CampaignCoupons.tsx';
import FlashSaleMonitor from './CampaignMonitor.tsx';
import Participants from './CampaignParticipants.tsx';
import { CampaignWizard, ItemFields, SessionFields, itemBody, sessionBody, type ItemDraft, type SessionDraft } from './CampaignWizard.tsx';

type Campaign = Schemas['Campaign'];
type FlashSession = Schemas['FlashSaleSession'];
type Kind = Campaign['kind'];
type Status = Campaign['status'];
const KINDS: Kind[] = ['flash_sale', 'group_buy', 'bargain', 'presale', 'crowdfunding', 'referral'];
const STATUSES: Status[] = ['draft', 'scheduled', 'running', 'ended', 'cancelled'];
const KIND_LABEL: Record<Kind, MessageKey> = {
  flash_sale: 'campaigns.kinds.flash_sale',
  group_buy: 'campaigns.kinds.group_buy',
  bargain: 'campaigns.kinds.bargain',
  presale: 'campaigns.kinds.presale',
  crowdfunding: 'campaigns.kinds.crowdfunding',
  referral: 'campaigns.kinds.referral',
};
const STATUS_LABEL: Record<Status, MessageKey> = {
  draft: 'campaigns.status.draft',
  scheduled: 'campaigns.status.scheduled',
  running: 'campaigns.status.running',
  ended: 'campaigns.status.ended',
  cancelled: 'campaigns.status.cancelled',
};
const STATUS_COLOR: Record<Status, string> = { draft: 'default', scheduled: 'blue', running: 'green', ended: 'purple', cancelled: 'red' };
const money = (minor: number | null | undefined) => (minor === null || minor === undefined ? '—' : (minor / 100).toFixed(2));

function Report({ campaign }: { campaign: Campaign }) {
  const { t, num } = useI18n();
  const { appId } = useCurrent();
  const [event, setEvent] = useState('');
  const [windowDays, setWindowDays] = useState(7);
  const query = event.trim() ? { conversion_event: event.trim(), window_days: windowDays } : {};
  const r = useQuery({
    queryKey: ['campaigns.report', appId, campaign.id, query],
    queryFn: () => ok(api.GET('/v1/campaigns/{campaignId}/report', { params: { path: { campaignId: campaign.id }, query } })),
  });
  const d = r.data;
  return (
    <Card title={t('campaigns.report', { name: campaign.name })} data-testid="campaign-report" style={{ marginTop: 16 }}>
      <Space style={{ marginBottom: 12 }} wrap>
        <Input.Search data-testid="report-conversion-event" placeholder={t('campaigns.conversionEvent')} allowClear enterButton={t('campaigns.apply')} onSearch={setEvent} style={{ width: 320 }} />
        <span>{t('campaigns.windowDays')}</span>
        <InputNumber min={1} max={90} value={windowDays} onChange={(v) => setWindowDays(v ?? 7)} />
      </Space>
      {r.isError ? (
        <ErrorState error={r.error} retry={() => r.refetch()} />
      ) : (
        <Row gutter={16}>
          <Col span={6}><Statistic loading={r.isPending} title={t('campaigns.participants')} value={d ? num(d.participants) : '—'} /></Col>
          <Col span={6}><Statistic loading={r.isPending} title={t('campaigns.successes')} value={d ? num(d.successes) : '—'} /></Col>
          <Col span={6}><Statistic loading={r.isPending} title={t('campaigns.cost')} value={d ? money(d.cost) : '—'} /></Col>
          <Col span={6}>
            <Statistic loading={r.isPending} title={t('campaigns.conversions')} value={d?.conversions ? `${num(d.conversions.converted)} / ${num(d.conversions.orders)} / ${money(d.conversions.amount)}` : '—'} />
          </Col>
        </Row>
      )}
    </Card>
  );
}

const refreshCampaigns = (qc: QueryClient) => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('campaigns') });

/** Adds a session to a flash sale; the server's refusals of its times go under the period. */
function AddSession({ campaign, onClose }: { campaign: Campaign; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<SessionDraft>();
  const save = useMutation({
    mutationFn: (v: SessionDraft) => ok(api.POST('/v1/campaigns/{campaignId}/flash-sale/sessions', { params: { path: { campaignId: campaign.id } }, body: sessionBody(v) })),
    onSuccess: () => {
      void message.success(t('sessions.sessionAdded'));
      refreshCampaigns(qc);
      onClose();
    },
    onError: (e) => void message.error(showFieldErrors(form, e, { starts_at: 'period', ends_at: 'period' })),
  });
  // Two hours from now (or from the campaign's start), within the campaign.
  const from = dayjs(Math.max(Date.parse(campaign.starts_at), dayjs().startOf('minute').valueOf()));
  const to = dayjs(Math.min(from.add(2, 'hour').valueOf(), Date.parse(campaign.ends_at)));
  return (
    <Modal open width={720} title={t('wizard.addSession')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'fs-session-save' }}>
      <Form<SessionDraft> form={form} layout="vertical" initialValues={{ period: [from, to] }} onFinish={(v) => save.mutate(v)}>
        <SessionFields at={(k) => [k]} tid="fs-session" />
      </Form>
    </Modal>
  );
}

/** Adds an item with its stock to a session; the server's refusals go under the field they name. */
function AddItem({ session, onClose }: { session: FlashSession; onClose: () => void }) {
  const { t, date } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<ItemDraft>();
  const save = useMutation({
    mutationFn: (v: ItemDraft) => ok(api.POST('/v1/flash-sale/sessions/{sessionId}/items', { params: { path: { sessionId: session.id } }, body: itemBody(v) })),
    onSuccess: () => {
      void message.success(t('sessions.itemAdded'));
      refreshCampaigns(qc);
      onClose();
    },
    onError: (e) => void message.error(showFieldErrors(form, e)),
  });
  return (
    <Modal open width={720} title={`${t('wizard.addItem')} · ${session.name || `${date(session.starts_at)} – ${date(session.ends_at)}`}`} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'fs-item-save' }}>
      <Form<ItemDraft> form={form} layout="vertical" initialValues={{ stock: 100 }} onFinish={(v) => save.mutate(v)}>
        <Space wrap align="start">
          <ItemFields at={(k) => [k]} tid="fs-item" />
        </Space>
      </Form>
    </Modal>
  );
}

/**
 * A flash sale's sessions. An operator who manages campaigns adds sessions, and items to a session,
 * until the sale ends (a running sale's session that has ended takes no more items); restocking an
 * item is in the monitor.
 */
function FlashSaleSessions({ campaign }: { campaign: Campaign }) {
  const { t, date, num } = useI18n();
  const { appId, role } = useCurrent();
  const [adding, setAdding] = useState<'session' | FlashSession | null>(null);
  // The monitor's query: one request serves both.
  const sessions = useQuery({
    queryKey: ['campaigns.monitor.sessions', appId, campaign.id],
    queryFn: () => ok(api.GET('/v1/campaigns/{campaignId}/flash-sale/sessions', { params: { path: { campaignId: campaign.id } } })),
  });
  const now = Date.now();
  const running = campaign.status === 'running';
  const extendable = campaign.status === 'draft' || campaign.status === 'scheduled' || (running && now < Date.parse(campaign.ends_at));
  const mayManage = can(role, 'campaigns.manage') && extendable;
  if (sessions.isError) return <ErrorState error={sessions.error} retry={() => sessions.refetch()} />;
  return (
    <Card
      size="small"
      title={t('sessions.title')}
      data-testid="flash-sessions"
      extra={mayManage ? <Button size="small" type="primary" data-testid="fs-add-session" onClick={() => setAdding('session')}>{t('wizard.addSession')}</Button> : null}
    >
      <Table<FlashSession>
        size="small"
        rowKey="id"
        pagination={false}
        loading={sessions.isPending}
        dataSource={sessions.data?.data ?? []}
        locale={{ emptyText: t('sessions.empty') }}
        columns={[
          { title: t('wizard.sessionName'), key: 'n', render: (_: unknown, s) => <span data-testid="fs-session-row-name">{s.name || '—'}</span> },
          { title: t('wizard.sessionPeriod'), key: 'p', render: (_: unknown, s) => `${date(s.starts_at)} – ${date(s.ends_at)}` },
          { title: t('wizard.tokenRequired'), key: 'k', render: (_: unknown, s) => (s.token_required ? <Tag color="orange">{t('sessions.token')}</Tag> : '—') },
          { title: t('sessions.items'), key: 'i', render: (_: unknown, s) => <span data-testid="fs-session-items">{num(s.items.length)}</span> },
          ...(mayManage
            ? [
                {
                  title: '',
                  key: 'a',
                  render: (_: unknown, s: FlashSession) =>
                    running && Date.parse(s.ends_at) <= now ? (
                      <Typography.Text type="secondary">{t('sessions.ended')}</Typography.Text>
                    ) : (
                      <Button size="small" data-testid="fs-add-item" onClick={() => setAdding(s)}>
                        {t('wizard.addItem')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
      />
      {adding === 'session' ? <AddSession campaign={campaign} onClose={() => setAdding(null)} /> : adding ? <AddItem session={adding} onClose={() => setAdding(null)} /> : null}
    </Card>
  );
}

function Selected({ id }: { id: string }) {
  const { t, date } = useI18n();
  const { appId, role } = useCurrent();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const mayManage = can(role, 'campaigns.manage');
  const c = useQuery({
    queryKey: ['campaigns.one', appId, id],
    queryFn: () => ok(api.GET('/v1/campaigns/{campaignId}', { params: { path: { campaignId: id } } })),
    refetchInterval: (q) => (q.state.data?.status === 'scheduled' || q.state.data?.status === 'running' ? 5000 : false),
  });
  const refresh = () => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('campaigns') });
  const act = useMutation({
    mutationFn: (what: 'schedule' | 'cancel') =>
      ok(what === 'schedule' ? api.POST('/v1/campaigns/{campaignId}/schedule', { params: { path: { campaignId: id } } }) : api.POST('/v1/campaigns/{campaignId}/cancel', { params: { path: { campaignId: id } } })),
    onSuccess: refresh,
    onError: (e) => void message.error(errorText(e)),
  });
  if (c.isError) return <ErrorState error={c.error} retry={() => c.refetch()} />;
  if (!c.data) return <Card loading style={{ marginTop: 16 }} />;
  const x = c.data;
  return (
    <Space direction="vertical" style={{ width: '100%', marginTop: 16 }}>
      <Card size="small" title={x.name} data-testid="campaign-selected">
        <Space wrap>
          <Tag>{t(KIND_LABEL[x.kind])}</Tag>
          <Tag color={STATUS_COLOR[x.status]} data-testid="campaign-selected-status">{t(STATUS_LABEL[x.status])}</Tag>
          <span>{`${date(x.starts_at)} – ${date(x.ends_at)}`}</span>
          {mayManage && x.status === 'draft' ? (
            <Button size="small" type="primary" data-testid="campaign-schedule" loading={act.isPending} onClick={() => act.mutate('schedule')}>
              {t('campaigns.schedule')}
            </Button>
          ) : null}
          {mayManage && (x.status === 'draft' || x.status === 'scheduled' || x.status === 'running') ? (
            <Popconfirm title={t('campaigns.cancelConfirm')} onConfirm={() => act.mutate('cancel')}>
              <Button size="small" danger data-testid="campaign-cancel">
                {t('campaigns.cancel')}
              </Button>
            </Popconfirm>
          ) : null}
        </Space>
      </Card>
      {x.kind === 'flash_sale' ? (
        <>
          <FlashSaleMonitor campaign={x} />
          <FlashSaleSessions campaign={x} />
        </>
      ) : (
        <Participants campaign={x} />
      )}
      {can(role, 'analytics.read') ? <Report key={x.id} campaign={x} /> : null}
    </Space>
  );
}

function CampaignList() {
  const { t, date } = useI18n();
  const { appId, role } = useCurrent();
  const pager = useCursor();
  const [kind, setKind] = useState<Kind | undefined>();
  const [status, setStatus] = useState<Status | undefined>();
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Campaign | null>(null);
  const [wizard, setWizard] = useState(false);
  // The name search runs on the server (`q`), over every page.
  const needle = search.trim();
  const query = { limit: 25, ...(kind ? { kind } : {}), ...(status ? { status } : {}), ...(needle ? { q: needle } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  // The rows shown stay until the next page or search answers (no empty flash in between).
  const list = useQuery({ queryKey: ['campaigns', appId, query], queryFn: () => ok(api.GET('/v1/campaigns', { params: { query } })), placeholderData: keepPreviousData });
  const rows = list.data?.data ?? [];
  return (
    <div>
      <Space style={{ marginBottom: 12 }} wrap>
        {can(role, 'campaigns.manage') ? (
          <Button type="primary" data-testid="campaign-new" onClick={() => setWizard(true)}>
            {t('campaigns.new')}
          </Button>
        ) : null}
        <Input.Search data-testid="campaign-search" placeholder={t('campaigns.searchName')} allowClear onSearch={(v) => { setSearch(v); pager.reset(); }} style={{ width: 240 }} />
        <Select<Kind> data-testid="campaign-kind" allowClear placeholder={t('campaigns.kind')} value={kind} style={{ width: 160 }} onChange={(k) => { setKind(k); pager.reset(); }} options={KINDS.map((k) => ({ value: k, label: t(KIND_LABEL[k]) }))} />
        <Select<Status> data-testid="campaign-status" allowClear placeholder={t('campaigns.statusLabel')} value={status} style={{ width: 160 }} onChange={(s) => { setStatus(s); pager.reset(); }} options={STATUSES.map((s) => ({ value: s, label: t(STATUS_LABEL[s]) }))} />
      </Space>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          <Table<Campaign>
            rowKey="id"
            loading={list.isPending}
            dataSource={rows}
            pagination={false}
            locale={{ emptyText: t('campaigns.empty') }}
            onRow={(c) => ({ onClick: () => setSelected(c), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('campaigns.name'), dataIndex: 'name', render: (n: string) => <span data-testid="campaign-name">{n}</span> },
              { title: t('campaigns.kind'), dataIndex: 'kind', render: (k: Kind) => t(KIND_LABEL[k]) },
              { title: t('campaigns.statusLabel'), dataIndex: 'status', render: (s: Status) => <Tag color={STATUS_COLOR[s]}>{t(STATUS_LABEL[s])}</Tag> },
              { title: t('campaigns.budget'), key: 'budget', render: (_: unknown, c) => `${money(c.committed)} / ${money(c.budget)}` },
              { title: t('campaigns.period'), key: 'period', render: (_: unknown, c) => `${date(c.starts_at)} – ${date(c.ends_at)}` },
            ]}
          />
          <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
        </>
      )}
      {selected && <Selected key={selected.id} id={selected.id} />}
      <Drawer open={wizard} width={960} title={t('campaigns.new')} onClose={() => setWizard(false)} destroyOnHidden>
        <CampaignWizard
          onDone={(c) => {
            setWizard(false);
            pager.reset();
            void list.refetch();
            if (c) setSelected(c);
          }}
        />
      </Drawer>
    </div>
  );
}

export default function Campaigns() {
  const { t } = useI18n();
  return (
    <div>
      <Typography.Title level={3}>{t('nav.campaigns')}</Typography.Title>
      <Tabs
        destroyOnHidden
        items={[
          { key: 'campaigns', label: <span data-testid="campaigns-tab-list">{t('campaigns.tabs.campaigns')}</span>, children: <CampaignList /> },
          { key: 'coupons', label: <span data-testid="campaigns-tab-coupons">{t('campaigns.tabs.coupons')}</span>, children: <Coupons /> },
        ]}
      />
    </div>
  );
}

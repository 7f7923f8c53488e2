// Customer service (客服) for agents: the queue (longest waiting first), the conversations assigned
// to me, all conversations by status; a conversation's messages with internal notes marked, a reply
// or a note (canned replies at hand), claim, hand back to the queue, resolve; and my agent status.
// Kept live by the operator stream (GET /v1/realtime/operator): any change refreshes what is shown.
// A second tab holds the FAQ knowledge base the bot answers from (Faq.tsx).
// Messages are user content, rendered as text only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Badge, Button, Card, Checkbox, Col, Empty, Input, List, Row, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { operatorStream } from '../lib/stream.ts';
import { unescapeHtml } from '../../../server/src/lib/text.ts';
import Faq from './Faq.tsx';

type Conv = Schemas['ServiceConversation'];
type Msg = Schemas['ServiceMessage'];
type Agent = Schemas['ServiceAgent'];
type View = 'queue' | 'mine' | 'all';
const STATUSES: Conv['status'][] = ['bot', 'waiting', 'assigned', 'resolved'];
const STATUS_LABEL: Record<Conv['status'], MessageKey> = { bot: 'service.status.bot', waiting: 'service.status.waiting', assigned: 'service.status.assigned', resolved: 'service.status.resolved' };
const STATUS_COLOR: Record<Conv['status'], string> = { bot: 'blue', waiting: 'orange', assigned: 'green', resolved: 'default' };
const AUTHOR_LABEL: Record<Msg['author']['kind'], MessageKey> = { user: 'service.author.user', bot: 'service.author.bot', agent: 'service.author.agent', system: 'service.author.system' };
const AGENT_LABEL: Record<Agent['status'], MessageKey> = { online: 'service.agent.online', away: 'service.agent.away', offline: 'service.agent.offline' };

/** Refreshes every customer-service query when the stream says something changed; true while connected. */
function useLive(appId: string): boolean {
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(
    () =>
      operatorStream(
        appId,
        (e) => {
          if (e.type.startsWith('service.')) void qc.invalidateQueries({ queryKey: ['service'] });
        },
        setLive,
      ),
    [appId, qc],
  );
  return live;
}

function MyStatus({ appId, operatorId }: { appId: string; operatorId: string }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const agents = useQuery({ queryKey: ['service', 'agents', appId], queryFn: () => ok(api.GET('/v1/service/agents')) });
  const mine = agents.data?.data.find((a) => a.operator_id === operatorId);
  const set = useMutation({
    mutationFn: (status: Agent['status']) => ok(api.PUT('/v1/service/agents/me', { body: { status } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['service'] }),
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <Space>
      <span>{t('service.myStatus')}</span>
      <Select<Agent['status']>
        data-testid="service-agent-status"
        style={{ width: 120 }}
        value={mine?.status ?? 'offline'}
        loading={agents.isPending || set.isPending}
        onChange={(s) => set.mutate(s)}
        options={(['online', 'away', 'offline'] as const).map((s) => ({ value: s, label: t(AGENT_LABEL[s]) }))}
      />
      {mine ? <span data-testid="service-agent-load">{t('service.load', { n: mine.active, max: mine.capacity })}</span> : null}
    </Space>
  );
}

function Conversations({ appId, view, operatorId, selected, onSelect }: { appId: string; view: View; operatorId: string; selected: string | null; onSelect: (id: string) => void }) {
  const { t, date } = useI18n();
  const pager = useCursor();
  const [status, setStatus] = useState<Conv['status'] | undefined>(undefined);
  const [user, setUser] = useState('');
  const cursor = pager.cursor ? { cursor: pager.cursor } : {};
  const list = useQuery({
    queryKey: ['service', 'list', appId, view, status, user, pager.cursor],
    queryFn: () =>
      view === 'queue'
        ? ok(api.GET('/v1/service/queue', { params: { query: { limit: 25, ...cursor } } }))
        : ok(api.GET('/v1/service/conversations', { params: { query: { limit: 25, ...cursor, ...(view === 'mine' ? { agent_id: operatorId, status: 'assigned' as const } : {}), ...(view === 'all' && status ? { status } : {}), ...(view === 'all' && user ? { user_id: user } : {}) } } })),
  });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <>
      {view === 'all' ? (
        <Space style={{ marginBottom: 12 }} wrap>
          <Select<Conv['status']> allowClear data-testid="service-status-filter" placeholder={t('service.allStatuses')} style={{ width: 140 }} value={status} onChange={(v) => { setStatus(v); pager.reset(); }} options={STATUSES.map((s) => ({ value: s, label: t(STATUS_LABEL[s]) }))} />
          <Input.Search allowClear data-testid="service-user-filter" placeholder={t('service.userId')} style={{ width: 200 }} onSearch={(v) => { setUser(v.trim()); pager.reset(); }} />
        </Space>
      ) : null}
      <Table<Conv>
        data-testid={`service-${view}`}
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: <Empty description={t(view === 'queue' ? 'service.queueEmpty' : 'service.none')} /> }}
        rowClassName={(c) => (c.id === selected ? 'ant-table-row-selected' : '')}
        onRow={(c) => ({ onClick: () => onSelect(c.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('service.userId'), dataIndex: 'user_id', render: (v: string) => <Typography.Text data-testid="service-conv-user">{v}</Typography.Text> },
          { title: t('service.status'), dataIndex: 'status', render: (s: Conv['status']) => <Tag color={STATUS_COLOR[s]}>{t(STATUS_LABEL[s])}</Tag> },
          view === 'queue'
            ? { title: t('service.waiting'), dataIndex: 'waiting_seconds', render: (s: number | null) => (s === null ? '—' : t('service.minutes', { n: Math.floor(s / 60) })) }
            : { title: t('service.lastMessage'), dataIndex: 'last_message_at', render: (v: string) => date(v) },
          { title: t('service.channel'), dataIndex: 'channel' },
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
    </>
  );
}

function Conversation({ appId, id, operatorId, mayWork }: { appId: string; id: string; operatorId: string; mayWork: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [text, setText] = useState('');
  const [internal, setInternal] = useState(false);
  const pager = useCursor();
  const conv = useQuery({ queryKey: ['service', 'conversation', appId, id], queryFn: () => ok(api.GET('/v1/service/conversations/{conversationId}', { params: { path: { conversationId: id } } })) });
  const msgs = useQuery({
    queryKey: ['service', 'messages', appId, id, pager.cursor],
    queryFn: () => ok(api.GET('/v1/service/conversations/{conversationId}/messages', { params: { path: { conversationId: id }, query: { limit: 50, ...(pager.cursor ? { cursor: pager.cursor } : {}) } } })),
  });
  const canned = useQuery({ queryKey: ['service', 'canned', appId], enabled: mayWork, queryFn: () => ok(api.GET('/v1/service/canned', { params: { query: { limit: 100 } } })) });
  const done = () => void qc.invalidateQueries({ queryKey: ['service'] });
  const fail = (e: unknown) => void message.error(errorText(e));
  const send = useMutation({
    mutationFn: () => ok(api.POST('/v1/service/conversations/{conversationId}/messages', { params: { path: { conversationId: id } }, body: { text, internal } })),
    onSuccess: () => {
      setText('');
      setInternal(false);
      done();
    },
    onError: fail,
  });
  const act = useMutation({
    mutationFn: (a: 'claim' | 'resolve' | 'queue') =>
      a === 'claim'
        ? ok(api.POST('/v1/service/conversations/{conversationId}/claim', { params: { path: { conversationId: id } } }))
        : a === 'resolve'
          ? ok(api.POST('/v1/service/conversations/{conversationId}/resolve', { params: { path: { conversationId: id } } }))
          : ok(api.POST('/v1/service/conversations/{conversationId}/transfer', { params: { path: { conversationId: id } }, body: {} })),
    onSuccess: done,
    onError: fail,
  });
  if (conv.isError) return <ErrorState error={conv.error} retry={() => conv.refetch()} />;
  const c = conv.data;
  return (
    <Card
      loading={conv.isPending}
      title={
        c ? (
          <Space>
            <Typography.Text data-testid="service-detail-user">{c.user_id}</Typography.Text>
            <Tag data-testid="service-detail-status" color={STATUS_COLOR[c.status]}>{t(STATUS_LABEL[c.status])}</Tag>
            {c.sla.first_response_breached_at || c.sla.resolution_breached_at ? <Tag color="red">{t('service.slaBreached')}</Tag> : null}
            {c.rating ? <Tag>{t('service.rating', { n: c.rating.score })}</Tag> : null}
          </Space>
        ) : null
      }
      extra={
        c && mayWork ? (
          <Space>
            {c.status === 'waiting' || c.status === 'bot' ? (
              <Button data-testid="service-claim" size="small" type="primary" loading={act.isPending} onClick={() => act.mutate('claim')}>
                {t('service.claim')}
              </Button>
            ) : null}
            {c.status === 'assigned' ? (
              <Button data-testid="service-to-queue" size="small" loading={act.isPending} onClick={() => act.mutate('queue')}>
                {t('service.toQueue')}
              </Button>
            ) : null}
            {c.status !== 'resolved' ? (
              <Button data-testid="service-resolve" size="small" loading={act.isPending} onClick={() => act.mutate('resolve')}>
                {t('service.resolve')}
              </Button>
            ) : null}
          </Space>
        ) : null
      }
    >
      {msgs.isError ? <ErrorState error={msgs.error} retry={() => msgs.refetch()} /> : null}
      <List<Msg>
        data-testid="service-messages"
        size="small"
        loading={msgs.isPending}
        dataSource={msgs.data?.data ?? []}
        renderItem={(m) => (
          <List.Item data-testid="service-message" style={m.internal ? { background: '#fffbe6' } : undefined}>
            <Space direction="vertical" size={0} style={{ width: '100%' }}>
              <Space size={4}>
                <Tag>{t(AUTHOR_LABEL[m.author.kind])}</Tag>
                {m.author.kind === 'agent' && m.author.id === operatorId ? <Tag color="green">{t('service.me')}</Tag> : null}
                {m.internal ? <Tag color="gold">{t('service.internal')}</Tag> : null}
                <Typography.Text type="secondary">{date(m.created_at)}</Typography.Text>
              </Space>
              <Typography.Paragraph data-testid="service-message-text" style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>
                {unescapeHtml(m.text)}
              </Typography.Paragraph>
            </Space>
          </List.Item>
        )}
      />
      <CursorPager pager={pager} nextCursor={msgs.data?.next_cursor} />
      {mayWork && c && c.status !== 'resolved' ? (
        <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
          <Select
            data-testid="service-canned"
            allowClear
            placeholder={t('service.canned')}
            style={{ width: 260 }}
            value={null}
            onChange={(v: string | null) => v && setText(canned.data?.data.find((r) => r.id === v)?.body ?? '')}
            options={(canned.data?.data ?? []).map((r) => ({ value: r.id, label: r.title }))}
          />
          <Input.TextArea data-testid="service-reply" rows={3} maxLength={4000} value={text} onChange={(e) => setText(e.target.value)} placeholder={t(internal ? 'service.notePlaceholder' : 'service.replyPlaceholder')} />
          <Space>
            <Checkbox data-testid="service-internal" checked={internal} onChange={(e) => setInternal(e.target.checked)}>
              {t('service.internalNote')}
            </Checkbox>
            <Button data-testid="service-send" type="primary" disabled={!text.trim()} loading={send.isPending} onClick={() => send.mutate()}>
              {t(internal ? 'service.addNote' : 'service.send')}
            </Button>
          </Space>
        </Space>
      ) : null}
    </Card>
  );
}

export default function Service() {
  const { t } = useI18n();
  const { appId, role, me } = useCurrent();
  const [view, setView] = useState<View>('queue');
  const [selected, setSelected] = useState<string | null>(null);
  const live = useLive(appId ?? '');
  if (!appId) return null;
  const mayWork = can(role, 'service.work');
  const operatorId = me.operator.id;
  const conversations = (
    <Row gutter={16}>
      <Col xs={24} lg={10}>
        <Tabs
          activeKey={view}
          onChange={(k) => setView(k as View)}
          items={(['queue', 'mine', 'all'] as const).filter((v) => v !== 'mine' || mayWork).map((v) => ({ key: v, label: <span data-testid={`service-tab-${v}`}>{t(`service.view.${v}`)}</span> }))}
        />
        <Conversations key={view} appId={appId} view={view} operatorId={operatorId} selected={selected} onSelect={setSelected} />
      </Col>
      <Col xs={24} lg={14}>{selected ? <Conversation key={selected} appId={appId} id={selected} operatorId={operatorId} mayWork={mayWork} /> : <Empty description={t('service.pick')} />}</Col>
    </Row>
  );
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('nav.service')}
        </Typography.Title>
        <Space size="large">
          <Badge data-testid="service-live" status={live ? 'success' : 'default'} text={t(live ? 'service.live' : 'service.offline')} />
          {mayWork ? <MyStatus appId={appId} operatorId={operatorId} /> : null}
        </Space>
      </Space>
      <Tabs
        items={[
          {
            key: 'conversations',
            label: <span data-testid="service-section-conversations">{t('service.conversations')}</span>,
            children: conversations,
          },
          { key: 'faq', label: <span data-testid="service-section-faq">{t('service.faq')}</span>, children: <Faq mayManage={can(role, 'faq.manage')} /> },
        ]}
      />
    </Space>
  );
}

// Communities (社群): the groups with their type and member count (search by name, filter by
// type), a new group, and the selected group's health (active members, questions answered, median
// time to first answer), its members by status (applications approved or rejected, members muted,
// removed or banned), its questions still waiting for an answer, and its lurkers. User content
// (names, posts) is rendered as text only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Descriptions, Form, Input, InputNumber, Popconfirm, Row, Select, Space, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { unescapeHtml } from '../../../server/src/lib/text.ts';

type Group = Schemas['CommunityGroup'];
type Member = Schemas['CommunityMember'];
type Status = Member['status'];
const TYPES = ['open', 'apply', 'invite_only'] as const;
const STATUSES: Status[] = ['active', 'pending', 'left', 'removed', 'banned', 'rejected'];
type Action = 'approve' | 'reject' | 'remove' | 'ban' | 'unban' | 'mute';
// Labels of the server's vocabularies (the compiler checks each is a translated key).
const TYPE_LABEL: Record<Group['type'], MessageKey> = { open: 'communities.types.open', apply: 'communities.types.apply', invite_only: 'communities.types.invite_only' };
const STATUS_LABEL: Record<Status, MessageKey> = {
  active: 'communities.status.active',
  pending: 'communities.status.pending',
  left: 'communities.status.left',
  removed: 'communities.status.removed',
  banned: 'communities.status.banned',
  rejected: 'communities.status.rejected',
};
const ROLE_LABEL: Record<Member['role'], MessageKey> = { owner: 'communities.roles.owner', admin: 'communities.roles.admin', member: 'communities.roles.member' };
const ACTION_LABEL: Record<Action, MessageKey> = {
  approve: 'communities.action.approve',
  reject: 'communities.action.reject',
  remove: 'communities.action.remove',
  ban: 'communities.action.ban',
  unban: 'communities.action.unban',
  mute: 'communities.action.mute',
};
const CONFIRM: Partial<Record<Action, MessageKey>> = { reject: 'communities.confirm.reject', remove: 'communities.confirm.remove', ban: 'communities.confirm.ban' };
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

function Health({ group }: { group: Group }) {
  const { t, num } = useI18n();
  const { appId } = useCurrent();
  const h = useQuery({ queryKey: ['communities.health', appId, group.id], queryFn: () => ok(api.GET('/v1/communities/{groupId}/health', { params: { path: { groupId: group.id }, query: { days: 30 } } })) });
  if (h.isError) return <ErrorState error={h.error} retry={() => h.refetch()} />;
  const d = h.data;
  const minutes = d?.median_first_answer_seconds;
  return (
    <Row gutter={16} data-testid="community-health">
      <Col span={6}><Statistic loading={h.isPending} title={t('communities.activeMembers')} value={d ? `${num(d.active_members)} / ${num(d.members)}` : '—'} suffix={d ? `(${pct(d.active_members_pct)})` : undefined} /></Col>
      <Col span={6}><Statistic loading={h.isPending} title={t('communities.answered')} value={d ? `${num(d.questions_answered)} / ${num(d.questions)}` : '—'} suffix={d ? `(${pct(d.questions_answered_pct)})` : undefined} /></Col>
      <Col span={6}><Statistic loading={h.isPending} title={t('communities.firstAnswer')} value={minutes === null || minutes === undefined ? '—' : t('communities.minutes', { n: (minutes / 60).toFixed(1) })} /></Col>
      <Col span={6}><Statistic loading={h.isPending} title={t('communities.postsPerDay')} value={d ? d.posts_per_day.toFixed(1) : '—'} /></Col>
    </Row>
  );
}

function Members({ group, mayManage }: { group: Group; mayManage: boolean }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [status, setStatus] = useState<Status>('active');
  const pager = useCursor();
  const query = { limit: 25, status, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const members = useQuery({ queryKey: ['communities.members', appId, group.id, query], queryFn: () => ok(api.GET('/v1/communities/{groupId}/members', { params: { path: { groupId: group.id }, query } })) });
  const act = useMutation({
    mutationFn: async ({ userId, action }: { userId: string; action: Action }) => {
      const params = { path: { groupId: group.id, userId } };
      switch (action) {
        case 'mute':
          return ok(api.POST('/v1/communities/{groupId}/members/{userId}/mute', { params, body: { minutes: 60 } }));
        case 'approve':
          return ok(api.POST('/v1/communities/{groupId}/members/{userId}/approve', { params }));
        case 'reject':
          return ok(api.POST('/v1/communities/{groupId}/members/{userId}/reject', { params }));
        case 'remove':
          return ok(api.POST('/v1/communities/{groupId}/members/{userId}/remove', { params }));
        case 'ban':
          return ok(api.POST('/v1/communities/{groupId}/members/{userId}/ban', { params }));
        case 'unban':
          return ok(api.POST('/v1/communities/{groupId}/members/{userId}/unban', { params }));
      }
    },
    onSuccess: async () => {
      message.success(t('communities.updated'));
      await qc.invalidateQueries({ queryKey: ['communities.members', appId, group.id] });
      await qc.invalidateQueries({ queryKey: ['communities.all', appId] });
    },
    onError: (e) => message.error(errorText(e)),
  });
  const button = (userId: string, action: Action) => {
    const confirm = CONFIRM[action];
    return confirm ? (
      <Popconfirm key={action} title={t(confirm)} onConfirm={() => act.mutate({ userId, action })}>
        <Button size="small" danger data-testid={`member-${action}`}>
          {t(ACTION_LABEL[action])}
        </Button>
      </Popconfirm>
    ) : (
      <Button key={action} size="small" data-testid={`member-${action}`} onClick={() => act.mutate({ userId, action })}>
        {t(ACTION_LABEL[action])}
      </Button>
    );
  };
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <Select<Status> data-testid="member-status" value={status} style={{ width: 160 }} onChange={(s) => { setStatus(s); pager.reset(); }} options={STATUSES.map((s) => ({ value: s, label: t(STATUS_LABEL[s]) }))} />
      </Space>
      {members.isError ? (
        <ErrorState error={members.error} retry={() => members.refetch()} />
      ) : (
        <>
          <Table<Member>
            rowKey="user_id"
            size="small"
            loading={members.isPending}
            pagination={false}
            locale={{ emptyText: t('communities.noMembers') }}
            dataSource={members.data?.data ?? []}
            columns={[
              { title: t('users.id'), dataIndex: 'user_id', render: (id: string) => <Link to={`/users/${encodeURIComponent(id)}`}>{id}</Link> },
              { title: t('communities.role'), dataIndex: 'role', render: (r: Member['role']) => <Tag color={r === 'owner' ? 'gold' : r === 'admin' ? 'blue' : 'default'}>{t(ROLE_LABEL[r])}</Tag> },
              { title: t('communities.joined'), dataIndex: 'joined_at', render: (d: string | null) => (d ? date(d) : '—') },
              { title: t('communities.lastActive'), dataIndex: 'last_active', render: (d: string | null) => (d ? date(d) : '—') },
              { title: t('communities.mutedUntil'), dataIndex: 'muted_until', render: (d: string | null) => (d && Date.parse(d) > Date.now() ? date(d) : '—') },
              ...(status === 'pending'
                ? [{ title: t('communities.answers'), dataIndex: 'answers', render: (a: string[] | null) => (a ?? []).map((x, i) => <div key={i}>{unescapeHtml(x)}</div>) }]
                : []),
              ...(mayManage
                ? [
                    {
                      title: '',
                      key: 'actions',
                      render: (_: unknown, m: Member) => (
                        <Space size="small">
                          {m.status === 'pending' && [button(m.user_id, 'approve'), button(m.user_id, 'reject')]}
                          {m.status === 'active' && m.role === 'member' && [button(m.user_id, 'mute'), button(m.user_id, 'remove'), button(m.user_id, 'ban')]}
                          {m.status === 'banned' && button(m.user_id, 'unban')}
                        </Space>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <CursorPager pager={pager} nextCursor={members.data?.next_cursor} />
        </>
      )}
    </>
  );
}

function Questions({ group }: { group: Group }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const query = { limit: 25, kind: 'question' as const, unanswered: 'true' as const, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const posts = useQuery({ queryKey: ['communities.unanswered', appId, group.id, query], queryFn: () => ok(api.GET('/v1/communities/{groupId}/posts', { params: { path: { groupId: group.id }, query } })) });
  if (posts.isError) return <ErrorState error={posts.error} retry={() => posts.refetch()} />;
  return (
    <>
      <Table<Schemas['CommunityPost']>
        rowKey="id"
        size="small"
        loading={posts.isPending}
        pagination={false}
        locale={{ emptyText: t('communities.noUnanswered') }}
        dataSource={posts.data?.data ?? []}
        columns={[
          { title: t('communities.question'), key: 'q', render: (_: unknown, p) => <span data-testid="community-question">{p.title ? `${unescapeHtml(p.title)} — ${unescapeHtml(p.body)}` : unescapeHtml(p.body)}</span> },
          { title: t('communities.author'), dataIndex: 'author_id' },
          { title: t('communities.asked'), dataIndex: 'created_at', render: (d: string) => date(d) },
          { title: t('communities.alerts'), dataIndex: 'alert_level', render: (n: number) => (n > 0 ? <Tag color={n > 1 ? 'red' : 'orange'}>{t('communities.alertLevel', { n })}</Tag> : '—') },
        ]}
      />
      <CursorPager pager={pager} nextCursor={posts.data?.next_cursor} />
    </>
  );
}

function Lurkers({ group }: { group: Group }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const [days, setDays] = useState(14);
  const pager = useCursor();
  const query = { limit: 25, days, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const lurkers = useQuery({ queryKey: ['communities.lurkers', appId, group.id, query], queryFn: () => ok(api.GET('/v1/communities/{groupId}/lurkers', { params: { path: { groupId: group.id }, query } })) });
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        {t('communities.lurkingDays')}
        <InputNumber data-testid="lurker-days" min={0} max={3650} value={days} onChange={(v) => { setDays(v ?? 14); pager.reset(); }} />
      </Space>
      {lurkers.isError ? (
        <ErrorState error={lurkers.error} retry={() => lurkers.refetch()} />
      ) : (
        <>
          <Table<Member>
            rowKey="user_id"
            size="small"
            loading={lurkers.isPending}
            pagination={false}
            locale={{ emptyText: t('communities.noLurkers') }}
            dataSource={(lurkers.data?.data ?? []) as Member[]}
            columns={[
              { title: t('users.id'), dataIndex: 'user_id', render: (id: string) => <Link to={`/users/${encodeURIComponent(id)}`}>{id}</Link> },
              { title: t('communities.joined'), dataIndex: 'joined_at', render: (d: string | null) => (d ? date(d) : '—') },
            ]}
          />
          <CursorPager pager={pager} nextCursor={lurkers.data?.next_cursor} />
        </>
      )}
    </>
  );
}

function GroupDetail({ group, mayManage }: { group: Group; mayManage: boolean }) {
  const { t, date } = useI18n();
  return (
    <Card style={{ marginTop: 16 }} title={<span data-testid="community-detail-title">{group.name}</span>}>
      <Descriptions size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('communities.type')}>{t(TYPE_LABEL[group.type])}</Descriptions.Item>
        <Descriptions.Item label={t('communities.owner')}>{group.owner_id}</Descriptions.Item>
        <Descriptions.Item label={t('communities.createdAt')}>{date(group.created_at)}</Descriptions.Item>
        <Descriptions.Item label={t('communities.capacity')}>{group.capacity ?? '∞'}</Descriptions.Item>
        <Descriptions.Item label={t('communities.unansweredAfter')}>{group.unanswered_minutes ? t('communities.minutes', { n: group.unanswered_minutes }) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('communities.timeZone')}>{group.time_zone}</Descriptions.Item>
        {group.rules && <Descriptions.Item label={t('communities.rules')} span={3}>{group.rules}</Descriptions.Item>}
      </Descriptions>
      <Health group={group} />
      <Tabs
        style={{ marginTop: 16 }}
        items={[
          { key: 'members', label: t('communities.members'), children: <Members group={group} mayManage={mayManage} /> },
          { key: 'questions', label: t('communities.unanswered'), children: <Questions group={group} /> },
          { key: 'lurkers', label: t('communities.lurkers'), children: <Lurkers group={group} /> },
        ]}
      />
    </Card>
  );
}

type NewGroup = { name: string; type: (typeof TYPES)[number]; owner_id: string; description?: string; rules?: string; capacity?: number; unanswered_minutes?: number };

export default function Communities() {
  const { t, num } = useI18n();
  const { appId, role } = useCurrent();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewGroup>();
  const [type, setType] = useState<(typeof TYPES)[number] | undefined>();
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState<Group | null>(null);
  const pager = useCursor();
  const query = { limit: 25, ...(type ? { type } : {}), ...(q ? { q } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['communities.all', appId, query], queryFn: () => ok(api.GET('/v1/communities', { params: { query } })) });
  const mayManage = can(role, 'campaigns.manage');
  const create = useMutation({
    mutationFn: (v: NewGroup) =>
      ok(
        api.POST('/v1/communities', {
          body: { name: v.name, type: v.type, owner_id: v.owner_id, ...(v.description ? { description: v.description } : {}), ...(v.rules ? { rules: v.rules } : {}), ...(v.capacity ? { capacity: v.capacity } : {}), ...(v.unanswered_minutes ? { unanswered_minutes: v.unanswered_minutes } : {}) },
        }),
      ),
    onSuccess: async (g) => {
      message.success(t('communities.created'));
      form.resetFields();
      setSelected(g);
      await qc.invalidateQueries({ queryKey: ['communities.all', appId] });
    },
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <div>
      <Typography.Title level={3}>{t('nav.communities')}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} lg={mayManage ? 15 : 24}>
          <Card
            title={t('communities.list')}
            extra={
              <Space>
                <Input.Search data-testid="community-search" allowClear placeholder={t('communities.searchName')} onSearch={(v) => { setQ(v.trim()); pager.reset(); }} style={{ width: 200 }} />
                <Select data-testid="community-type-filter" allowClear placeholder={t('communities.type')} style={{ width: 140 }} value={type} onChange={(v) => { setType(v); pager.reset(); }} options={TYPES.map((x) => ({ value: x, label: t(TYPE_LABEL[x]) }))} />
              </Space>
            }
          >
            {list.isError ? (
              <ErrorState error={list.error} retry={() => list.refetch()} />
            ) : (
              <>
                <Table<Group>
                  rowKey="id"
                  size="small"
                  loading={list.isPending}
                  pagination={false}
                  locale={{ emptyText: t('communities.empty') }}
                  dataSource={list.data?.data ?? []}
                  onRow={(g) => ({ onClick: () => setSelected(g), style: { cursor: 'pointer' } })}
                  columns={[
                    { title: t('communities.name'), dataIndex: 'name', render: (n: string) => <span data-testid="community-name">{n}</span> },
                    { title: t('communities.type'), dataIndex: 'type', render: (x: Group['type']) => <Tag>{t(TYPE_LABEL[x])}</Tag> },
                    { title: t('communities.memberCount'), dataIndex: 'member_count', render: (n: number) => <span data-testid="community-members">{num(n)}</span> },
                    { title: t('communities.tags'), dataIndex: 'tags', render: (tags: string[]) => tags.map((x) => <Tag key={x}>{x}</Tag>) },
                  ]}
                />
                <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
              </>
            )}
          </Card>
        </Col>
        {mayManage && (
          <Col xs={24} lg={9}>
            <Card title={t('communities.new')}>
              <Form form={form} layout="vertical" initialValues={{ type: 'open' }} onFinish={(v) => create.mutate(v)}>
                <Form.Item name="name" label={t('communities.name')} rules={[{ required: true, message: t('communities.nameRequired') }]}>
                  <Input data-testid="community-new-name" maxLength={100} />
                </Form.Item>
                <Form.Item name="type" label={t('communities.type')}>
                  <Select data-testid="community-new-type" options={TYPES.map((x) => ({ value: x, label: t(TYPE_LABEL[x]) }))} />
                </Form.Item>
                <Form.Item name="owner_id" label={t('communities.owner')} rules={[{ required: true, message: t('communities.ownerRequired') }]} extra={t('communities.ownerHelp')}>
                  <Input data-testid="community-new-owner" maxLength={255} />
                </Form.Item>
                <Form.Item name="description" label={t('communities.description')}>
                  <Input.TextArea maxLength={5000} rows={2} />
                </Form.Item>
                <Form.Item name="rules" label={t('communities.rules')}>
                  <Input.TextArea maxLength={5000} rows={2} />
                </Form.Item>
                <Space wrap>
                  <Form.Item name="capacity" label={t('communities.capacity')}>
                    <InputNumber min={1} max={1_000_000} />
                  </Form.Item>
                  <Form.Item name="unanswered_minutes" label={t('communities.unansweredAfter')}>
                    <InputNumber data-testid="community-new-unanswered" min={1} max={60 * 24 * 7} />
                  </Form.Item>
                </Space>
                <Button type="primary" htmlType="submit" data-testid="community-save" loading={create.isPending}>
                  {t('common.save')}
                </Button>
              </Form>
            </Card>
          </Col>
        )}
      </Row>
      {selected && <GroupDetail key={selected.id} group={selected} mayManage={mayManage} />}
    </div>
  );
}

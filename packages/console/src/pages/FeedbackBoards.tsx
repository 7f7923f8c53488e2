// Feedback boards (反馈社区): boards (create), posts by votes or newest with status / type filters
// (cursor pages), a post's detail with its status change (with a note), the official response,
// merging a duplicate, its history and comments; the roadmap columns and the changelog; and the
// QQ Mail 1000/100/10 workload view. Post titles, bodies and notes are user text, shown as text.
// A board's settings (name, description, visibility, default assignee) and a post's assignee and
// tags are edited in place (PATCH); assignees are the app's operators.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, DatePicker, Drawer, Empty, Form, Input, List, Modal, Popconfirm, Progress, Row, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { showFieldErrors } from '../components/fieldErrors.ts';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { unescapeHtml as u } from '../../../server/src/lib/text.ts';

type Board = Schemas['FeedbackBoard'];
type Post = Schemas['FeedbackPost'];
type PStatus = Post['status'];
type PType = Post['type'];
const STATUSES: PStatus[] = ['open', 'under_review', 'planned', 'in_progress', 'done', 'declined'];
const TYPES: PType[] = ['idea', 'bug', 'question'];
const STATUS_COLOR: Record<PStatus, string> = { open: 'default', under_review: 'gold', planned: 'blue', in_progress: 'cyan', done: 'green', declined: 'red' };
const sKey = (s: string) => `feedback.status.${s}` as MessageKey;
const tKey = (s: string) => `feedback.type.${s}` as MessageKey;

export function StatusTag({ status }: { status: PStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={STATUS_COLOR[status]} data-testid="post-status">
      {t(sKey(status))}
    </Tag>
  );
}

function NewBoard({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (b: Board) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ name: string; description?: string; visibility: 'public' | 'private' }>();
  const create = useMutation({
    mutationFn: (d: { name: string; description?: string; visibility: 'public' | 'private' }) =>
      ok(api.POST('/v1/feedback/boards', { body: { name: d.name.trim(), visibility: d.visibility, ...(d.description?.trim() ? { description: d.description.trim() } : {}) } })),
    onSuccess: (b) => {
      form.resetFields();
      onCreated(b);
    },
    onError: (e) => void message.error(errorText(e)),
  });
  return (
    <Modal open={open} title={t('feedback.newBoard')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, 'data-testid': 'board-save' }}>
      <Form form={form} layout="vertical" initialValues={{ visibility: 'public' }} onFinish={(d) => create.mutate(d)}>
        <Form.Item name="name" label={t('feedback.boardName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input data-testid="board-name" maxLength={200} />
        </Form.Item>
        <Form.Item name="description" label={t('feedback.boardDescription')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="visibility" label={t('feedback.visibility')}>
          <Select options={[{ value: 'public', label: t('feedback.public') }, { value: 'private', label: t('feedback.private') }]} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The app's operators as select options (assignees). */
function useOperatorOptions() {
  const { appId } = useCurrent();
  const members = useQuery({ queryKey: ['members', appId], enabled: !!appId, queryFn: () => ok(api.GET('/v1/apps/{appId}/members', { params: { path: { appId: appId! } } })), retry: false });
  return { loading: members.isPending && members.fetchStatus !== 'idle', options: (members.data?.data ?? []).map((m) => ({ value: m.operator_id, label: m.name ? `${m.name} (${m.email})` : m.email })) };
}

type BoardSettings = { name: string; description?: string; visibility: 'public' | 'private'; default_assignee?: string | null };

function EditBoard({ board, onClose, onSaved }: { board: Board; onClose: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const operators = useOperatorOptions();
  const [form] = Form.useForm<BoardSettings>();
  const save = useMutation({
    mutationFn: (d: BoardSettings) =>
      ok(api.PATCH('/v1/feedback/boards/{boardId}', { params: { path: { boardId: board.id } }, body: { name: d.name.trim(), description: d.description?.trim() || null, visibility: d.visibility, default_assignee: d.default_assignee ?? null } })),
    onSuccess: () => {
      void message.success(t('feedback.saved'));
      onSaved();
    },
    onError: (e) => void message.error(showFieldErrors(form, e)),
  });
  return (
    <Modal open title={t('feedback.boardSettings')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'board-edit-save' }}>
      <Form form={form} layout="vertical" initialValues={{ name: board.name, description: board.description ?? '', visibility: board.visibility, default_assignee: board.default_assignee }} onFinish={(d) => save.mutate(d)}>
        <Form.Item name="name" label={t('feedback.boardName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input data-testid="board-edit-name" maxLength={200} />
        </Form.Item>
        <Form.Item name="description" label={t('feedback.boardDescription')}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <Form.Item name="visibility" label={t('feedback.visibility')}>
          <Select data-testid="board-edit-visibility" options={[{ value: 'public', label: t('feedback.public') }, { value: 'private', label: t('feedback.private') }]} />
        </Form.Item>
        <Form.Item name="default_assignee" label={t('feedback.defaultAssignee')} extra={t('feedback.defaultAssigneeHelp')}>
          <Select data-testid="board-edit-assignee" allowClear showSearch optionFilterProp="label" placeholder={t('feedback.nobody')} loading={operators.loading} options={operators.options} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** A post's assignee and tags, saved together. */
function PostMeta({ post, onChanged }: { post: Post; onChanged: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const operators = useOperatorOptions();
  const [form] = Form.useForm<{ assignee?: string | null; tags: string[] }>();
  const save = useMutation({
    mutationFn: (d: { assignee?: string | null; tags: string[] }) =>
      ok(api.PATCH('/v1/feedback/posts/{postId}', { params: { path: { postId: post.id } }, body: { assignee: d.assignee ?? null, tags: [...new Set((d.tags ?? []).map((x) => x.trim()).filter(Boolean))] } })),
    onSuccess: () => {
      void message.success(t('feedback.saved'));
      onChanged();
    },
    onError: (e) => void message.error(showFieldErrors(form, e)),
  });
  return (
    <Card size="small" title={t('feedback.assigneeAndTags')}>
      <Form form={form} layout="vertical" initialValues={{ assignee: post.assignee, tags: post.tags.map((x) => u(x)) }} onFinish={(d) => save.mutate(d)}>
        <Space wrap align="start">
          <Form.Item name="assignee" label={t('feedback.assignee')}>
            <Select data-testid="post-assignee" allowClear showSearch optionFilterProp="label" style={{ width: 280 }} placeholder={t('feedback.nobody')} loading={operators.loading} options={operators.options} />
          </Form.Item>
          <Form.Item name="tags" label={t('feedback.tags')} extra={t('feedback.tagsHelp')}>
            <Select data-testid="post-tags" mode="tags" tokenSeparators={[',', '，']} style={{ width: 320 }} maxCount={20} />
          </Form.Item>
        </Space>
        <Button data-testid="post-meta-save" htmlType="submit" loading={save.isPending}>
          {t('common.save')}
        </Button>
      </Form>
    </Card>
  );
}

function PostDetail({ post, mayManage, siblings, onChanged }: { post: Post; mayManage: boolean; siblings: Post[]; onChanged: () => void }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const { message } = App.useApp();
  const [next, setNext] = useState<PStatus | undefined>();
  const [note, setNote] = useState('');
  const [reply, setReply] = useState('');
  const [into, setInto] = useState<string | undefined>();
  const fail = (e: unknown) => void message.error(errorText(e));
  const operators = useOperatorOptions();
  const history = useQuery({ queryKey: ['feedback.history', appId, post.id, post.status], queryFn: () => ok(api.GET('/v1/feedback/posts/{postId}/history', { params: { path: { postId: post.id }, query: { limit: 50 } } })) });
  const comments = useQuery({ queryKey: ['feedback.comments', appId, post.id, post.comments, post.response?.id], queryFn: () => ok(api.GET('/v1/feedback/posts/{postId}/comments', { params: { path: { postId: post.id }, query: { limit: 50 } } })) });
  const change = useMutation({
    mutationFn: () => ok(api.POST('/v1/feedback/posts/{postId}/status', { params: { path: { postId: post.id } }, body: { status: next!, note: note.trim() } })),
    onSuccess: () => {
      setNext(undefined);
      setNote('');
      void message.success(t('feedback.statusChanged'));
      onChanged();
    },
    onError: fail,
  });
  const respond = useMutation({
    mutationFn: () => ok(api.POST('/v1/feedback/posts/{postId}/response', { params: { path: { postId: post.id } }, body: { body: reply.trim() } })),
    onSuccess: () => {
      setReply('');
      onChanged();
    },
    onError: fail,
  });
  const merge = useMutation({
    mutationFn: () => ok(api.POST('/v1/feedback/posts/{postId}/merge', { params: { path: { postId: post.id } }, body: { into_post_id: into! } })),
    onSuccess: () => {
      void message.success(t('feedback.merged'));
      onChanged();
    },
    onError: fail,
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <StatusTag status={post.status} />
        <Tag>{t(tKey(post.type))}</Tag>
        {post.tags.map((x) => (
          <Tag key={x}>{u(x)}</Tag>
        ))}
        <span>{t('feedback.votesN', { n: post.votes })}</span>
        <span>{t('feedback.author', { id: post.author_id })}</span>
        {post.assignee ? <span data-testid="post-assignee-shown">{t('feedback.assignedTo', { who: operators.options.find((o) => o.value === post.assignee)?.label ?? post.assignee })}</span> : null}
        {post.merged_into ? <Tag color="purple">{t('feedback.mergedInto', { id: post.merged_into })}</Tag> : null}
      </Space>
      <Typography.Title level={5} data-testid="post-detail-title">{u(post.title)}</Typography.Title>
      {post.body ? <Typography.Paragraph data-testid="post-detail-body" style={{ whiteSpace: 'pre-wrap' }}>{u(post.body)}</Typography.Paragraph> : null}
      {post.response ? (
        <Card size="small" title={t('feedback.officialResponse')} data-testid="post-response">
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{u(post.response.body)}</Typography.Paragraph>
        </Card>
      ) : null}
      {mayManage ? <PostMeta key={post.id} post={post} onChanged={onChanged} /> : null}
      {mayManage ? (
        <Card size="small" title={t('feedback.changeStatus')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Select<PStatus> data-testid="post-next-status" placeholder={t('feedback.newStatus')} style={{ width: 200 }} value={next} onChange={setNext} options={STATUSES.filter((s) => s !== post.status).map((s) => ({ value: s, label: t(sKey(s)) }))} />
            <Input.TextArea data-testid="post-status-note" rows={2} placeholder={t('feedback.notePlaceholder')} value={note} onChange={(e) => setNote(e.target.value)} maxLength={5000} />
            <Button data-testid="post-status-save" type="primary" disabled={!next || !note.trim()} loading={change.isPending} onClick={() => change.mutate()}>
              {t('feedback.applyStatus')}
            </Button>
          </Space>
        </Card>
      ) : null}
      {mayManage ? (
        <Card size="small" title={t('feedback.officialResponse')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Input.TextArea data-testid="post-reply" rows={3} value={reply} onChange={(e) => setReply(e.target.value)} maxLength={10000} />
            <Button data-testid="post-reply-send" disabled={!reply.trim()} loading={respond.isPending} onClick={() => respond.mutate()}>
              {t('feedback.respond')}
            </Button>
          </Space>
        </Card>
      ) : null}
      {mayManage && !post.merged_into ? (
        <Card size="small" title={t('feedback.merge')}>
          <Space wrap>
            <Select
              data-testid="post-merge-into"
              showSearch
              optionFilterProp="label"
              placeholder={t('feedback.mergeInto')}
              style={{ width: 360 }}
              value={into}
              onChange={setInto}
              options={siblings.filter((p) => p.id !== post.id).map((p) => ({ value: p.id, label: u(p.title) }))}
            />
            <Popconfirm title={t('feedback.mergeConfirm')} onConfirm={() => merge.mutate()} disabled={!into}>
              <Button data-testid="post-merge" danger disabled={!into} loading={merge.isPending}>
                {t('feedback.merge')}
              </Button>
            </Popconfirm>
          </Space>
        </Card>
      ) : null}
      <Card size="small" title={t('feedback.history')}>
        {history.isError ? (
          <ErrorState error={history.error} retry={() => history.refetch()} />
        ) : (
          <List
            data-testid="post-history"
            size="small"
            loading={history.isPending}
            locale={{ emptyText: t('feedback.noHistory') }}
            dataSource={history.data?.data ?? []}
            renderItem={(c) => (
              <List.Item>
                <Space direction="vertical" size={0}>
                  <span>
                    {t(sKey(c.from))} → {t(sKey(c.to))} · {date(c.created_at)}
                  </span>
                  <Typography.Text type="secondary" data-testid="post-history-note">{u(c.note)}</Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Card>
      <Card size="small" title={t('feedback.comments')}>
        {comments.isError ? (
          <ErrorState error={comments.error} retry={() => comments.refetch()} />
        ) : (
          <List
            size="small"
            loading={comments.isPending}
            locale={{ emptyText: t('feedback.noComments') }}
            dataSource={comments.data?.data ?? []}
            renderItem={(c) => (
              <List.Item>
                <Space direction="vertical" size={0}>
                  <Space>
                    <span>{c.author_id}</span>
                    {c.official ? <Tag color="orange">{t('feedback.official')}</Tag> : null}
                    <Typography.Text type="secondary">{date(c.created_at)}</Typography.Text>
                  </Space>
                  <span style={{ whiteSpace: 'pre-wrap' }}>{u(c.body)}</span>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Card>
    </Space>
  );
}

function Posts({ board, mayManage }: { board: Board; mayManage: boolean }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const qc = useQueryClient();
  const pager = useCursor();
  const [sort, setSort] = useState<'top' | 'new'>('top');
  const [status, setStatus] = useState<PStatus | undefined>();
  const [type, setType] = useState<PType | undefined>();
  const [openId, setOpenId] = useState<string | null>(null);
  const query = { limit: 20, sort, ...(status ? { status } : {}), ...(type ? { type } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({
    queryKey: ['feedback.posts', appId, board.id, query],
    queryFn: () => ok(api.GET('/v1/feedback/boards/{boardId}/posts', { params: { path: { boardId: board.id }, query } })),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.data ?? [];
  const detail = useQuery({
    queryKey: ['feedback.post', appId, openId],
    enabled: !!openId,
    queryFn: () => ok(api.GET('/v1/feedback/posts/{postId}', { params: { path: { postId: openId! }, query: {} } })),
  });
  const refresh = () => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('feedback.') });
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select data-testid="posts-sort" style={{ width: 140 }} value={sort} onChange={(v) => (setSort(v), pager.reset())} options={[{ value: 'top', label: t('feedback.sortTop') }, { value: 'new', label: t('feedback.sortNew') }]} />
        <Select<PStatus> data-testid="posts-status" allowClear placeholder={t('feedback.statusLabel')} style={{ width: 160 }} value={status} onChange={(v) => (setStatus(v), pager.reset())} options={STATUSES.map((s) => ({ value: s, label: t(sKey(s)) }))} />
        <Select<PType> allowClear placeholder={t('feedback.typeLabel')} style={{ width: 140 }} value={type} onChange={(v) => (setType(v), pager.reset())} options={TYPES.map((s) => ({ value: s, label: t(tKey(s)) }))} />
      </Space>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          <Table<Post>
            data-testid="posts"
            rowKey="id"
            size="small"
            loading={list.isPending}
            pagination={false}
            dataSource={rows}
            locale={{ emptyText: <Empty description={t('feedback.noPosts')} /> }}
            onRow={(p) => ({ onClick: () => setOpenId(p.id), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('feedback.votes'), dataIndex: 'votes', width: 80 },
              { title: t('feedback.title'), dataIndex: 'title', render: (v: string) => <span data-testid="post-title">{u(v)}</span> },
              { title: t('feedback.typeLabel'), dataIndex: 'type', render: (v: string) => t(tKey(v)) },
              { title: t('feedback.statusLabel'), dataIndex: 'status', render: (s: PStatus) => <StatusTag status={s} /> },
              { title: t('feedback.comments'), dataIndex: 'comments' },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
        </>
      )}
      <Drawer open={!!openId} width={720} title={t('feedback.post')} onClose={() => setOpenId(null)} destroyOnHidden>
        {detail.isError ? <ErrorState error={detail.error} retry={() => detail.refetch()} /> : detail.data ? <PostDetail post={detail.data} mayManage={mayManage} siblings={rows} onChanged={refresh} /> : <Card loading />}
      </Drawer>
    </>
  );
}

function Roadmap({ board }: { board: Board }) {
  const { t } = useI18n();
  const { appId } = useCurrent();
  const r = useQuery({ queryKey: ['feedback.roadmap', appId, board.id], queryFn: () => ok(api.GET('/v1/feedback/roadmap', { params: { query: { board_id: board.id, limit: 20 } } })) });
  if (r.isError) return <ErrorState error={r.error} retry={() => r.refetch()} />;
  if (r.isPending) return <Card loading />;
  return (
    <Row gutter={12} data-testid="roadmap">
      {r.data.columns.map((c) => (
        <Col span={8} key={c.status}>
          <Card size="small" title={`${t(sKey(c.status))} (${c.total})`}>
            <List
              size="small"
              locale={{ emptyText: t('feedback.noPosts') }}
              dataSource={c.posts}
              renderItem={(p) => (
                <List.Item extra={<Tag>{p.votes}</Tag>}>
                  <span>{u(p.title)}</span>
                </List.Item>
              )}
            />
          </Card>
        </Col>
      ))}
    </Row>
  );
}

function Changelog({ board }: { board: Board }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const [statuses, setStatuses] = useState<PStatus[]>(['done']);
  const query = { limit: 20, board_id: board.id, status: (statuses.length ? statuses : STATUSES).join(','), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const r = useQuery({ queryKey: ['feedback.changelog', appId, query], queryFn: () => ok(api.GET('/v1/feedback/changelog', { params: { query } })), placeholderData: keepPreviousData });
  return (
    <>
      <Select<PStatus[]> mode="multiple" style={{ minWidth: 280, marginBottom: 12 }} value={statuses} onChange={(v) => (setStatuses(v), pager.reset())} options={STATUSES.map((s) => ({ value: s, label: t(sKey(s)) }))} />
      {r.isError ? (
        <ErrorState error={r.error} retry={() => r.refetch()} />
      ) : (
        <List
          data-testid="changelog"
          loading={r.isPending}
          locale={{ emptyText: t('feedback.noChanges') }}
          dataSource={r.data?.data ?? []}
          renderItem={(c) => (
            <List.Item>
              <List.Item.Meta
                title={<span>{u(c.title)}</span>}
                description={
                  <Space direction="vertical" size={0}>
                    <span>
                      {t(sKey(c.from))} → {t(sKey(c.to))} · {date(c.created_at)}
                    </span>
                    <span>{u(c.note)}</span>
                  </Space>
                }
              />
            </List.Item>
          )}
        />
      )}
      <CursorPager pager={pager} nextCursor={r.data?.next_cursor} />
    </>
  );
}

export function Workload() {
  const { t, num, timeZone } = useI18n();
  const { appId } = useCurrent();
  const [month, setMonth] = useState<Dayjs>(dayjs());
  // The month in the app's time zone (its settings), else the browser's.
  const tz = timeZone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const m = month.format('YYYY-MM');
  const r = useQuery({ queryKey: ['feedback.workload', appId, m, tz], queryFn: () => ok(api.GET('/v1/feedback/workload', { params: { query: { month: m, tz } } })) });
  const members = useQuery({ queryKey: ['members', appId], enabled: !!appId, queryFn: () => ok(api.GET('/v1/apps/{appId}/members', { params: { path: { appId: appId! } } })), retry: false });
  const nameOf = (id: string) => ((members.data as { data?: { operator_id?: string; id?: string; name?: string | null; email?: string }[] } | undefined)?.data ?? []).find((x) => (x.operator_id ?? x.id) === id)?.name ?? id;
  const pct = (v: number, target: number) => Math.min(100, Math.round((v / target) * 100));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space>
        <span>{t('feedback.month')}</span>
        <DatePicker picker="month" allowClear={false} value={month} onChange={(v) => v && setMonth(v)} data-testid="workload-month" />
        <Typography.Text type="secondary">{t('feedback.workloadHelp')}</Typography.Text>
      </Space>
      {r.isError ? (
        <ErrorState error={r.error} retry={() => r.refetch()} />
      ) : (
        <>
          {r.data ? (
            <Space size="large">
              <span>{t('feedback.totalReceived', { n: num(r.data.totals.received) })}</span>
              <span>{t('feedback.totalAnswered', { n: num(r.data.totals.answered) })}</span>
            </Space>
          ) : null}
          <Table
            data-testid="workload"
            rowKey="operator_id"
            size="small"
            loading={r.isPending}
            pagination={false}
            locale={{ emptyText: t('feedback.noWorkload') }}
            dataSource={r.data?.operators ?? []}
            columns={[
              { title: t('feedback.operator'), dataIndex: 'operator_id', render: (v: string) => nameOf(v) },
              { title: t('feedback.read1000'), dataIndex: 'read', render: (v: number) => <Progress size="small" percent={pct(v, r.data!.targets.read)} format={() => `${num(v)} / ${num(r.data!.targets.read)}`} /> },
              { title: t('feedback.answer100'), dataIndex: 'users_answered', render: (v: number) => <Progress size="small" percent={pct(v, r.data!.targets.users_answered)} format={() => `${num(v)} / ${num(r.data!.targets.users_answered)}`} /> },
              { title: t('feedback.surveys10'), dataIndex: 'surveys_run', render: (v: number) => <Progress size="small" percent={pct(v, r.data!.targets.surveys_run)} format={() => `${num(v)} / ${num(r.data!.targets.surveys_run)}`} /> },
              { title: t('feedback.received'), dataIndex: 'received' },
              { title: t('feedback.answered'), dataIndex: 'answered' },
              { title: t('feedback.medianFirstResponse'), dataIndex: 'median_first_response_s', render: (v: number | null) => (v === null ? '—' : t('feedback.minutes', { n: Math.round(v / 60) })) },
              { title: t('feedback.surveyResponses'), dataIndex: 'survey_responses' },
              { title: t('feedback.conversationsResolved'), dataIndex: 'conversations_resolved' },
              { title: t('feedback.csatAverage'), dataIndex: 'csat_average', render: (v: number | null) => (v === null ? '—' : v.toFixed(2)) },
            ]}
          />
        </>
      )}
    </Space>
  );
}

export default function Boards() {
  const { t } = useI18n();
  const { appId, role } = useCurrent();
  const mayManage = can(role, 'feedback.manage');
  const [boardId, setBoardId] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState(false);
  const boards = useQuery({ queryKey: ['feedback.boards', appId], queryFn: () => ok(api.GET('/v1/feedback/boards', { params: { query: { limit: 100 } } })) });
  const all = boards.data?.data ?? [];
  const board = all.find((b) => b.id === boardId) ?? all[0];
  if (boards.isError) return <ErrorState error={boards.error} retry={() => boards.refetch()} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select
          data-testid="board-select"
          loading={boards.isPending}
          style={{ width: 280 }}
          placeholder={t('feedback.board')}
          value={board?.id}
          onChange={setBoardId}
          options={all.map((b) => ({ value: b.id, label: `${b.name}${b.visibility === 'private' ? ` (${t('feedback.private')})` : ''}` }))}
        />
        {mayManage ? (
          <Button data-testid="board-new" onClick={() => setCreating(true)}>
            {t('feedback.newBoard')}
          </Button>
        ) : null}
        {mayManage && board ? (
          <Button data-testid="board-edit" onClick={() => setEditing(true)}>
            {t('feedback.boardSettings')}
          </Button>
        ) : null}
      </Space>
      {boards.isPending ? (
        <Card loading />
      ) : !board ? (
        <Empty description={t('feedback.noBoards')} />
      ) : (
        <Tabs
          key={board.id}
          items={[
            { key: 'posts', label: <span data-testid="board-tab-posts">{t('feedback.posts')}</span>, children: <Posts board={board} mayManage={mayManage} /> },
            { key: 'roadmap', label: <span data-testid="board-tab-roadmap">{t('feedback.roadmap')}</span>, children: <Roadmap board={board} /> },
            { key: 'changelog', label: <span data-testid="board-tab-changelog">{t('feedback.changelog')}</span>, children: <Changelog board={board} /> },
          ]}
        />
      )}
      {mayManage && editing && board ? (
        <EditBoard
          board={board}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            void boards.refetch();
          }}
        />
      ) : null}
      <NewBoard
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(b) => {
          setCreating(false);
          void boards.refetch();
          setBoardId(b.id);
        }}
      />
    </Space>
  );
}

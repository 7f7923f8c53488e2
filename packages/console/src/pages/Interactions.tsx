// Interactions (互动): content (subjects, hot list and rankings, curated slots; InteractionsContent.tsx)
// for every role that reads the app, and, for moderators, moderation: the queue of reported comments (most reported first, the
// auto-hidden ones apart) with single and bulk approve / hide / delete, the reports, blocked users
// (block with a reason and an end, unblock), and the sensitive-word list with its mode. Comment
// text and report notes come HTML-escaped from the API; they are unescaped to what the user wrote
// and shown as text, never as markup.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, DatePicker, Form, Input, InputNumber, Popconfirm, Radio, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { unescapeHtml } from '../../../server/src/lib/text.ts';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { Discovery, Slots, Subjects } from './InteractionsContent.tsx';

type Report = Schemas['CommentReport'];
type Block = Schemas['UserBlock'];
type Decision = 'approve' | 'hide' | 'delete';
type Mode = 'off' | 'mask' | 'reject';
type Reason = 'spam' | 'abuse' | 'porn' | 'violence' | 'illegal' | 'misinformation' | 'copyright' | 'other';
const REASON_LABEL: Record<Reason, MessageKey> = {
  spam: 'moderation.reason.spam',
  abuse: 'moderation.reason.abuse',
  porn: 'moderation.reason.porn',
  violence: 'moderation.reason.violence',
  illegal: 'moderation.reason.illegal',
  misinformation: 'moderation.reason.misinformation',
  copyright: 'moderation.reason.copyright',
  other: 'moderation.reason.other',
};
const DECISION_LABEL: Record<Decision, MessageKey> = { approve: 'moderation.approve', hide: 'moderation.hide', delete: 'moderation.delete' };
const MODE_LABEL: Record<Mode, MessageKey> = { off: 'moderation.mode.off', mask: 'moderation.mode.mask', reject: 'moderation.mode.reject' };
const reasonLabel = (r: string): MessageKey => REASON_LABEL[r as Reason] ?? 'moderation.reason.other';

function Queue({ appId }: { appId: string }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [status, setStatus] = useState<'visible' | 'hidden' | undefined>(undefined);
  const [picked, setPicked] = useState<string[]>([]);
  const query = { limit: 25, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const queue = useQuery({ queryKey: ['moderation', 'queue', appId, query], queryFn: () => ok(api.GET('/v1/moderation/queue', { params: { query } })) });
  const decide = useMutation({
    mutationFn: async ({ ids, action }: { ids: string[]; action: Decision }) => {
      for (const commentId of ids) await ok(api.POST('/v1/moderation/comments/{commentId}/decision', { params: { path: { commentId } }, body: { action } }));
      return ids.length;
    },
    onSuccess: (n) => {
      setPicked([]);
      void message.success(t('moderation.decided', { n }));
    },
    onError: (e) => void message.error(errorText(e)),
    onSettled: () => qc.invalidateQueries({ queryKey: ['moderation'] }),
  });
  if (queue.isError) return <ErrorState error={queue.error} retry={() => queue.refetch()} />;
  type Row = NonNullable<typeof queue.data>['data'][number];
  const bulk = (action: Decision) => (
    <Button key={action} data-testid={`moderation-bulk-${action}`} danger={action === 'delete'} disabled={!picked.length} loading={decide.isPending} onClick={() => decide.mutate({ ids: picked, action })}>
      {t(DECISION_LABEL[action])} ({picked.length})
    </Button>
  );
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        <Radio.Group
          data-testid="moderation-status"
          value={status ?? 'all'}
          onChange={(e) => {
            setStatus(e.target.value === 'all' ? undefined : e.target.value);
            setPicked([]);
            pager.reset();
          }}
          options={[
            { value: 'all', label: t('moderation.all') },
            { value: 'hidden', label: t('moderation.autoHidden') },
            { value: 'visible', label: t('moderation.visible') },
          ]}
          optionType="button"
        />
        {(['approve', 'hide', 'delete'] as const).map(bulk)}
      </Space>
      <Table<Row>
        data-testid="moderation-queue"
        rowKey={(r) => r.comment.id}
        size="small"
        loading={queue.isPending}
        pagination={false}
        dataSource={queue.data?.data ?? []}
        rowSelection={{ selectedRowKeys: picked, onChange: (keys) => setPicked(keys as string[]) }}
        columns={[
          {
            title: t('moderation.comment'),
            render: (_, r) => (
              <Typography.Paragraph data-testid="moderation-comment" style={{ whiteSpace: 'pre-wrap', marginBottom: 0, maxWidth: 480 }} ellipsis={{ rows: 3, expandable: true }}>
                {r.comment.body === null ? '—' : unescapeHtml(r.comment.body)}
              </Typography.Paragraph>
            ),
          },
          { title: t('moderation.author'), render: (_, r) => <Typography.Text>{r.comment.user_id}</Typography.Text> },
          { title: t('moderation.subject'), render: (_, r) => <Typography.Text type="secondary">{`${r.comment.subject.kind}/${r.comment.subject.id}`}</Typography.Text> },
          {
            title: t('moderation.reports'),
            render: (_, r) => (
              <Space size={4} wrap data-testid="moderation-reasons">
                <Tag color="red">{r.comment.open_reports}</Tag>
                {Object.entries(r.reasons).map(([reason, n]) => (
                  <Tag key={reason}>{`${t(reasonLabel(reason))} ×${n}`}</Tag>
                ))}
              </Space>
            ),
          },
          { title: t('moderation.state'), render: (_, r) => (r.comment.status === 'hidden' ? <Tag color="orange">{t('moderation.autoHidden')}</Tag> : <Tag>{t('moderation.visible')}</Tag>) },
          { title: t('common.created'), render: (_, r) => date(r.comment.created_at) },
          {
            title: t('common.actions'),
            render: (_, r) => (
              <Space size={4}>
                {(['approve', 'hide', 'delete'] as const).map((a) => (
                  <Button key={a} size="small" data-testid={`moderation-${a}`} danger={a === 'delete'} onClick={() => decide.mutate({ ids: [r.comment.id], action: a })}>
                    {t(DECISION_LABEL[a])}
                  </Button>
                ))}
              </Space>
            ),
          },
        ]}
      />
      <CursorPager pager={pager} nextCursor={queue.data?.next_cursor} />
    </>
  );
}

function Reports({ appId }: { appId: string }) {
  const { t, date } = useI18n();
  const pager = useCursor();
  const [open, setOpen] = useState<'true' | 'false' | undefined>(undefined);
  const query = { limit: 25, ...(open ? { open } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const reports = useQuery({ queryKey: ['moderation', 'reports', appId, query], queryFn: () => ok(api.GET('/v1/moderation/reports', { params: { query } })) });
  if (reports.isError) return <ErrorState error={reports.error} retry={() => reports.refetch()} />;
  return (
    <>
      <Select<'true' | 'false'>
        data-testid="reports-open"
        allowClear
        style={{ width: 160, marginBottom: 12 }}
        value={open}
        placeholder={t('moderation.all')}
        onChange={(v) => {
          setOpen(v);
          pager.reset();
        }}
        options={[
          { value: 'true', label: t('moderation.open') },
          { value: 'false', label: t('moderation.resolved') },
        ]}
      />
      <Table<Report>
        data-testid="moderation-reports"
        rowKey="id"
        size="small"
        loading={reports.isPending}
        pagination={false}
        dataSource={reports.data?.data ?? []}
        columns={[
          { title: t('moderation.commentId'), dataIndex: 'comment_id' },
          { title: t('moderation.reporter'), dataIndex: 'reporter_id', render: (v: string) => <Typography.Text>{v}</Typography.Text> },
          { title: t('moderation.reason'), dataIndex: 'reason', render: (r: string) => <Tag>{t(reasonLabel(r))}</Tag> },
          { title: t('moderation.note'), dataIndex: 'note', render: (n: string | null) => <Typography.Text data-testid="moderation-report-note">{n === null ? '—' : unescapeHtml(n)}</Typography.Text> },
          { title: t('moderation.resolution'), dataIndex: 'resolution', render: (r: Decision | null) => (r ? <Tag>{t(DECISION_LABEL[r])}</Tag> : <Tag color="orange">{t('moderation.open')}</Tag>) },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
        ]}
      />
      <CursorPager pager={pager} nextCursor={reports.data?.next_cursor} />
    </>
  );
}

function Blocks({ appId }: { appId: string }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [form] = Form.useForm<{ user_id: string; reason?: string; until?: Dayjs }>();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const blocks = useQuery({ queryKey: ['moderation', 'blocks', appId, query], queryFn: () => ok(api.GET('/v1/moderation/blocks', { params: { query } })) });
  const done = () => void qc.invalidateQueries({ queryKey: ['moderation', 'blocks'] });
  const block = useMutation({
    mutationFn: (v: { user_id: string; reason?: string; until?: Dayjs }) =>
      ok(api.PUT('/v1/moderation/blocks/{userId}', { params: { path: { userId: v.user_id.trim() } }, body: { ...(v.reason ? { reason: v.reason } : {}), ...(v.until ? { until: v.until.toISOString() } : {}) } })),
    onSuccess: () => {
      form.resetFields();
      done();
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const unblock = useMutation({ mutationFn: (userId: string) => ok(api.DELETE('/v1/moderation/blocks/{userId}', { params: { path: { userId } } })), onSuccess: done, onError: (e) => void message.error(errorText(e)) });
  if (blocks.isError) return <ErrorState error={blocks.error} retry={() => blocks.refetch()} />;
  return (
    <>
      <Form form={form} layout="inline" onFinish={(v) => block.mutate(v)} style={{ marginBottom: 12 }}>
        <Form.Item name="user_id" rules={[{ required: true, whitespace: true, message: t('moderation.userRequired') }]}>
          <Input data-testid="block-user" placeholder={t('moderation.userId')} maxLength={255} />
        </Form.Item>
        <Form.Item name="reason">
          <Input data-testid="block-reason" placeholder={t('moderation.blockReason')} maxLength={500} />
        </Form.Item>
        <Form.Item name="until">
          <DatePicker showTime placeholder={t('moderation.until')} />
        </Form.Item>
        <Button data-testid="block-save" type="primary" danger htmlType="submit" loading={block.isPending}>
          {t('moderation.block')}
        </Button>
      </Form>
      <Table<Block>
        data-testid="moderation-blocks"
        rowKey="user_id"
        size="small"
        loading={blocks.isPending}
        pagination={false}
        dataSource={blocks.data?.data ?? []}
        columns={[
          { title: t('moderation.userId'), dataIndex: 'user_id', render: (v: string) => <Typography.Text data-testid="blocked-user">{v}</Typography.Text> },
          { title: t('moderation.blockReason'), dataIndex: 'reason', render: (v: string | null) => <Typography.Text>{v === null ? '—' : unescapeHtml(v)}</Typography.Text> },
          { title: t('moderation.until'), dataIndex: 'until', render: (v: string | null) => (v ? date(v) : t('moderation.forever')) },
          {
            title: t('common.actions'),
            render: (_, b) => (
              <Popconfirm title={t('moderation.unblockConfirm')} onConfirm={() => unblock.mutate(b.user_id)}>
                <Button size="small" data-testid="unblock">
                  {t('moderation.unblock')}
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      <CursorPager pager={pager} nextCursor={blocks.data?.next_cursor} />
    </>
  );
}

function Words({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const settings = useQuery({ queryKey: ['moderation', 'settings', appId], queryFn: () => ok(api.GET('/v1/interactions/settings')) });
  const save = useMutation({
    mutationFn: (m: { words: string[]; filter_mode: Mode; auto_hide_reports: number | null }) => ok(api.PATCH('/v1/interactions/settings', { body: { moderation: m } })),
    onSuccess: () => {
      void message.success(t('moderation.saved'));
      void qc.invalidateQueries({ queryKey: ['moderation', 'settings'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  if (settings.isError) return <ErrorState error={settings.error} retry={() => settings.refetch()} />;
  const m = settings.data?.moderation;
  if (!m) return <Card loading />;
  return (
    <Form
      key={JSON.stringify(m)}
      layout="vertical"
      disabled={!mayManage}
      initialValues={{ words: m.words.join('\n'), filter_mode: m.filter_mode, auto_hide_reports: m.auto_hide_reports }}
      onFinish={(v: { words: string; filter_mode: Mode; auto_hide_reports: number | null }) =>
        save.mutate({ words: [...new Set(v.words.split('\n').map((w) => w.trim()).filter(Boolean))], filter_mode: v.filter_mode, auto_hide_reports: v.auto_hide_reports ?? null })
      }
      style={{ maxWidth: 560 }}
    >
      <Form.Item name="filter_mode" label={t('moderation.mode')}>
        <Radio.Group data-testid="words-mode" optionType="button" options={(['off', 'mask', 'reject'] as const).map((x) => ({ value: x, label: t(MODE_LABEL[x]) }))} />
      </Form.Item>
      <Form.Item name="words" label={t('moderation.words')} extra={t('moderation.wordsHelp')}>
        <Input.TextArea data-testid="words" rows={8} />
      </Form.Item>
      <Form.Item name="auto_hide_reports" label={t('moderation.autoHide')} extra={t('moderation.autoHideHelp')}>
        <InputNumber min={1} max={10000} />
      </Form.Item>
      {mayManage ? (
        <Button data-testid="words-save" type="primary" htmlType="submit" loading={save.isPending}>
          {t('common.save')}
        </Button>
      ) : null}
    </Form>
  );
}

export default function Interactions() {
  const { t } = useI18n();
  const { appId, role } = useCurrent();
  if (!appId) return null;
  const mayModerate = can(role, 'content.moderate');
  return (
    <div>
      <Typography.Title level={3}>{t('nav.interactions')}</Typography.Title>
      <Tabs
        items={[
          ...(mayModerate
            ? [
                { key: 'queue', label: <span data-testid="tab-queue">{t('moderation.queue')}</span>, children: <Queue appId={appId} /> },
                { key: 'reports', label: <span data-testid="tab-reports">{t('moderation.reportsTab')}</span>, children: <Reports appId={appId} /> },
                { key: 'blocks', label: <span data-testid="tab-blocks">{t('moderation.blocks')}</span>, children: <Blocks appId={appId} /> },
                { key: 'words', label: <span data-testid="tab-words">{t('moderation.wordsTab')}</span>, children: <Words appId={appId} mayManage={can(role, 'app.manage')} /> },
              ]
            : []),
          { key: 'subjects', label: <span data-testid="tab-subjects">{t('content.subjectsTab')}</span>, children: <Subjects appId={appId} /> },
          { key: 'discovery', label: <span data-testid="tab-discovery">{t('content.discoveryTab')}</span>, children: <Discovery appId={appId} /> },
          { key: 'slots', label: <span data-testid="tab-slots">{t('content.slotsTab')}</span>, children: <Slots appId={appId} mayCurate={can(role, 'content.curate')} /> },
        ]}
      />
    </div>
  );
}

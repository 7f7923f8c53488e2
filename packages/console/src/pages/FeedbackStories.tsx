// Story and hashtag galleries (用户故事征集 / 话题): campaigns (create, close), the entries of one
// by likes or newest with a status filter (the moderation queue is status "pending"), approve or
// reject an entry, feature it, and pick winners (chosen entries or the top N by likes). Entry
// texts are user text, shown as text.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Form, Input, InputNumber, List, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { unescapeHtml as u } from '../../../server/src/lib/text.ts';

type Campaign = Schemas['StoryCampaign'];
type Entry = Schemas['StoryEntry'];
type EStatus = Entry['status'];
const ESTATUS_COLOR: Record<EStatus, string> = { pending: 'gold', approved: 'green', rejected: 'red' };
const esKey = (s: string) => `stories.status.${s}` as MessageKey;
type Draft = { kind: 'story' | 'hashtag'; title: string; description?: string; hashtag?: string; moderation: 'pre' | 'post' };

function Entries({ campaign, mayManage, mayModerate }: { campaign: Campaign; mayManage: boolean; mayModerate: boolean }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pager = useCursor();
  const [sort, setSort] = useState<'likes' | 'recent'>('likes');
  const [status, setStatus] = useState<EStatus | undefined>(campaign.moderation === 'pre' ? 'pending' : undefined);
  const [picked, setPicked] = useState<string[]>([]);
  const [prize, setPrize] = useState('');
  const [topN, setTopN] = useState<number | null>(null);
  const query = { limit: 20, sort, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({
    queryKey: ['stories.entries', appId, campaign.id, query],
    queryFn: () => ok(api.GET('/v1/stories/campaigns/{campaignId}/entries', { params: { path: { campaignId: campaign.id }, query } })),
    placeholderData: keepPreviousData,
  });
  const winners = useQuery({ queryKey: ['stories.winners', appId, campaign.id], queryFn: () => ok(api.GET('/v1/stories/campaigns/{campaignId}/winners', { params: { path: { campaignId: campaign.id } } })) });
  const refresh = () => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('stories.') });
  const fail = (e: unknown) => void message.error(errorText(e));
  const moderate = useMutation({ mutationFn: (v: { id: string; decision: 'approve' | 'reject' }) => ok(api.POST('/v1/stories/entries/{entryId}/moderation', { params: { path: { entryId: v.id } }, body: { decision: v.decision } })), onSuccess: refresh, onError: fail });
  const feature = useMutation({ mutationFn: (v: { id: string; featured: boolean }) => ok(api.POST('/v1/stories/entries/{entryId}/feature', { params: { path: { entryId: v.id } }, body: { featured: v.featured } })), onSuccess: refresh, onError: fail });
  const pick = useMutation({
    mutationFn: () => ok(api.POST('/v1/stories/campaigns/{campaignId}/winners', { params: { path: { campaignId: campaign.id } }, body: { prize: prize.trim(), ...(topN ? { top_likes: topN } : { entry_ids: picked }) } })),
    onSuccess: () => (setPicked([]), refresh()),
    onError: fail,
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select style={{ width: 140 }} value={sort} onChange={(v) => (setSort(v), pager.reset())} options={[{ value: 'likes', label: t('stories.byLikes') }, { value: 'recent', label: t('stories.recent') }]} />
        <Select<EStatus> data-testid="entries-status" allowClear placeholder={t('stories.statusLabel')} style={{ width: 160 }} value={status} onChange={(v) => (setStatus(v), pager.reset())} options={(['pending', 'approved', 'rejected'] as const).map((s) => ({ value: s, label: t(esKey(s)) }))} />
      </Space>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          <Table<Entry>
            data-testid="entries"
            rowKey="id"
            size="small"
            loading={list.isPending}
            pagination={false}
            dataSource={list.data?.data ?? []}
            locale={{ emptyText: <Empty description={t('stories.noEntries')} /> }}
            rowSelection={mayManage ? { selectedRowKeys: picked, onChange: (k) => setPicked(k as string[]), getCheckboxProps: (e) => ({ disabled: e.status !== 'approved' }) } : undefined}
            columns={[
              { title: t('stories.user'), dataIndex: 'user_id' },
              { title: t('stories.text'), dataIndex: 'text', render: (v: string) => <span data-testid="entry-text" style={{ whiteSpace: 'pre-wrap' }}>{u(v)}</span> },
              { title: t('stories.images'), dataIndex: 'image_urls', render: (v: string[]) => (v.length ? v.length : '—') },
              { title: t('stories.likes'), dataIndex: 'likes' },
              { title: t('stories.statusLabel'), dataIndex: 'status', render: (s: EStatus, e) => <Space size={2}><Tag color={ESTATUS_COLOR[s]}>{t(esKey(s))}</Tag>{e.featured ? <Tag color="orange">{t('stories.featured')}</Tag> : null}</Space> },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
              ...(mayManage || mayModerate
                ? [
                    {
                      title: t('common.actions'),
                      key: 'a',
                      render: (_: unknown, e: Entry) => (
                        <Space size={4}>
                          {mayModerate && e.status !== 'approved' ? <Button size="small" data-testid="entry-approve" onClick={() => moderate.mutate({ id: e.id, decision: 'approve' })}>{t('stories.approve')}</Button> : null}
                          {mayModerate && e.status !== 'rejected' ? <Button size="small" danger data-testid="entry-reject" onClick={() => moderate.mutate({ id: e.id, decision: 'reject' })}>{t('stories.reject')}</Button> : null}
                          {mayManage && e.status === 'approved' ? <Button size="small" data-testid="entry-feature" onClick={() => feature.mutate({ id: e.id, featured: !e.featured })}>{t(e.featured ? 'stories.unfeature' : 'stories.feature')}</Button> : null}
                        </Space>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
        </>
      )}
      {mayManage ? (
        <Card size="small" title={t('stories.pickWinners')}>
          <Space wrap>
            <Input data-testid="winners-prize" placeholder={t('stories.prize')} style={{ width: 240 }} value={prize} onChange={(e) => setPrize(e.target.value)} maxLength={200} />
            <InputNumber data-testid="winners-top" placeholder={t('stories.topN')} min={1} max={100} value={topN} onChange={(v) => setTopN(v)} style={{ width: 160 }} />
            <Typography.Text type="secondary">{t('stories.pickHelp', { n: picked.length })}</Typography.Text>
            <Button data-testid="winners-pick" type="primary" disabled={!prize.trim() || (!topN && !picked.length)} loading={pick.isPending} onClick={() => pick.mutate()}>
              {t('stories.pick')}
            </Button>
          </Space>
        </Card>
      ) : null}
      <Card size="small" title={t('stories.winners')}>
        {winners.isError ? (
          <ErrorState error={winners.error} retry={() => winners.refetch()} />
        ) : (
          <List
            size="small"
            loading={winners.isPending}
            locale={{ emptyText: t('stories.noWinners') }}
            dataSource={winners.data?.data ?? []}
            renderItem={(w) => (
              <List.Item data-testid="winner">
                #{w.rank} · {w.user_id} · {w.prize} · {date(w.awarded_at)}
              </List.Item>
            )}
          />
        )}
      </Card>
    </Space>
  );
}

export default function Stories() {
  const { t, date } = useI18n();
  const { appId, role } = useCurrent();
  const mayManage = can(role, 'campaigns.manage');
  const mayModerate = can(role, 'content.moderate');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pager = useCursor();
  const [selected, setSelected] = useState<Campaign | null>(null);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<Draft>();
  const kind = Form.useWatch('kind', form);
  const query = { limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['stories.campaigns', appId, query], queryFn: () => ok(api.GET('/v1/stories/campaigns', { params: { query } })), placeholderData: keepPreviousData });
  const fail = (e: unknown) => void message.error(errorText(e));
  const create = useMutation({
    mutationFn: (d: Draft) =>
      ok(api.POST('/v1/stories/campaigns', { body: { kind: d.kind, title: d.title.trim(), moderation: d.moderation, ...(d.description?.trim() ? { description: d.description.trim() } : {}), ...(d.kind === 'hashtag' ? { hashtag: d.hashtag?.trim() } : {}) } as never })),
    onSuccess: (c) => {
      setCreating(false);
      form.resetFields();
      void qc.invalidateQueries({ queryKey: ['stories.campaigns'] });
      setSelected(c as Campaign);
    },
    onError: fail,
  });
  const close = useMutation({
    mutationFn: (id: string) => ok(api.PATCH('/v1/stories/campaigns/{campaignId}', { params: { path: { campaignId: id } }, body: { status: 'closed' } })),
    onSuccess: (c) => (setSelected(c as Campaign), void qc.invalidateQueries({ queryKey: ['stories.campaigns'] })),
    onError: fail,
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {mayManage ? (
        <Button type="primary" data-testid="story-new" onClick={() => setCreating(true)}>
          {t('stories.new')}
        </Button>
      ) : null}
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          <Table<Campaign>
            data-testid="story-campaigns"
            rowKey="id"
            size="small"
            loading={list.isPending}
            pagination={false}
            dataSource={list.data?.data ?? []}
            locale={{ emptyText: <Empty description={t('stories.empty')} /> }}
            onRow={(c) => ({ onClick: () => setSelected(c), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('stories.title'), dataIndex: 'title', render: (v: string) => <span data-testid="story-title">{v}</span> },
              { title: t('stories.kind'), dataIndex: 'kind', render: (v: string, c) => (v === 'hashtag' ? `${t('stories.hashtag')} ${c.hashtag ?? ''}` : t('stories.story')) },
              { title: t('stories.moderation'), dataIndex: 'moderation', render: (v: string) => t(v === 'pre' ? 'stories.pre' : 'stories.post') },
              { title: t('stories.statusLabel'), dataIndex: 'status', render: (v: string) => <Tag color={v === 'open' ? 'green' : 'default'}>{t(v === 'open' ? 'polls.open' : 'polls.closed')}</Tag> },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
              ...(mayManage
                ? [{ title: t('common.actions'), key: 'a', render: (_: unknown, c: Campaign) => (c.status === 'open' ? <Button size="small" onClick={(e) => (e.stopPropagation(), close.mutate(c.id))}>{t('polls.close')}</Button> : null) }]
                : []),
            ]}
          />
          <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
        </>
      )}
      {selected ? (
        <Card size="small" title={selected.title}>
          <Entries key={selected.id} campaign={selected} mayManage={mayManage} mayModerate={mayModerate} />
        </Card>
      ) : null}
      <Modal open={creating} title={t('stories.new')} onCancel={() => setCreating(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending }}>
        <Form<Draft> form={form} layout="vertical" initialValues={{ kind: 'story', moderation: 'pre' }} onFinish={(d) => create.mutate(d)}>
          <Form.Item name="kind" label={t('stories.kind')}>
            <Select options={[{ value: 'story', label: t('stories.story') }, { value: 'hashtag', label: t('stories.hashtag') }]} />
          </Form.Item>
          <Form.Item name="title" label={t('stories.title')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={200} />
          </Form.Item>
          {kind === 'hashtag' ? (
            <Form.Item name="hashtag" label={t('stories.hashtag')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
              <Input placeholder="#猫爪杯#" maxLength={52} />
            </Form.Item>
          ) : null}
          <Form.Item name="description" label={t('stories.description')}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="moderation" label={t('stories.moderation')}>
            <Select options={[{ value: 'pre', label: t('stories.pre') }, { value: 'post', label: t('stories.post') }]} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}

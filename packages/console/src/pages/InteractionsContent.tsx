// Interactions (互动) content: subjects by kind with their counters, the hot list and the rankings
// (排行榜) of a kind, and the curated slots (推荐位) with their ordered subjects and time windows.
// Titles are user content that comes HTML-escaped from the API: they are unescaped and shown as
// text, never as markup. Editing slots needs content.curate; everyone else only reads.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, DatePicker, Empty, Form, Input, Modal, Radio, Select, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { unescapeHtml } from '../../../server/src/lib/text.ts';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';

type Subject = Schemas['Subject'];
type Period = 'day' | 'week' | 'month' | 'all';
const PERIOD_LABEL: Record<Period, MessageKey> = { day: 'content.period.day', week: 'content.period.week', month: 'content.period.month', all: 'content.period.all' };
const title = (s: { title: string | null; id: string }) => (s.title === null ? s.id : unescapeHtml(s.title));

function useKinds(appId: string) {
  const settings = useQuery({ queryKey: ['interactions', 'settings', appId], queryFn: () => ok(api.GET('/v1/interactions/settings')) });
  return { kinds: settings.data?.kinds ?? [], settings };
}

function KindPicker({ kinds, value, onChange, testId }: { kinds: string[]; value: string | undefined; onChange: (k: string) => void; testId: string }) {
  const { t } = useI18n();
  return <Select data-testid={testId} style={{ width: 160 }} value={value} placeholder={t('content.kind')} onChange={onChange} options={kinds.map((k) => ({ value: k, label: k }))} />;
}

export function Subjects({ appId }: { appId: string }) {
  const { t, date } = useI18n();
  const { kinds, settings } = useKinds(appId);
  const pager = useCursor();
  const [kind, setKind] = useState<string | undefined>(undefined);
  const k = kind ?? kinds[0];
  const query = { limit: 25, ...(k ? { kind: k } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const subjects = useQuery({ queryKey: ['interactions', 'subjects', appId, query], enabled: !!k, queryFn: () => ok(api.GET('/v1/subjects', { params: { query } })) });
  if (settings.isError) return <ErrorState error={settings.error} retry={() => settings.refetch()} />;
  if (subjects.isError) return <ErrorState error={subjects.error} retry={() => subjects.refetch()} />;
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <KindPicker
          testId="subjects-kind"
          kinds={kinds}
          value={k}
          onChange={(v) => {
            setKind(v);
            pager.reset();
          }}
        />
      </Space>
      <Table<Subject>
        data-testid="subjects"
        rowKey={(s) => `${s.kind}/${s.id}`}
        size="small"
        loading={settings.isPending || subjects.isPending}
        pagination={false}
        dataSource={subjects.data?.data ?? []}
        locale={{ emptyText: <Empty description={t('content.noSubjects')} /> }}
        columns={[
          { title: t('content.title'), render: (_, s) => <Typography.Text data-testid="subject-title">{title(s)}</Typography.Text> },
          { title: 'ID', dataIndex: 'id', render: (v: string) => <Typography.Text type="secondary">{v}</Typography.Text> },
          { title: t('content.author'), dataIndex: 'author_id', render: (v: string | null) => <Typography.Text>{v ?? '—'}</Typography.Text> },
          { title: t('content.likes'), render: (_, s) => <span data-testid="subject-likes">{s.counts.likes}</span> },
          { title: t('content.coins'), render: (_, s) => s.counts.coins },
          { title: t('content.favourites'), render: (_, s) => s.counts.favourites },
          { title: t('content.comments'), render: (_, s) => s.counts.comments },
          { title: t('content.shares'), render: (_, s) => s.counts.shares },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
        ]}
      />
      <CursorPager pager={pager} nextCursor={subjects.data?.next_cursor} />
    </>
  );
}

export function Discovery({ appId }: { appId: string }) {
  const { t } = useI18n();
  const { kinds, settings } = useKinds(appId);
  const [kind, setKind] = useState<string | undefined>(undefined);
  const [view, setView] = useState<'hot' | Period>('hot');
  const k = kind ?? kinds[0];
  const list = useQuery({
    queryKey: ['interactions', 'discovery', appId, k, view],
    enabled: !!k,
    queryFn: async () => {
      if (view === 'hot') {
        const r = await ok(api.GET('/v1/hot', { params: { query: { kind: k!, limit: 50 } } }));
        return r.data.map((s) => ({ s, score: s.hot_score ?? 0 }));
      }
      const r = await ok(api.GET('/v1/rankings', { params: { query: { kind: k!, period: view, limit: 50 } } }));
      return r.data.map((s) => ({ s, score: s.rank_score }));
    },
  });
  if (settings.isError) return <ErrorState error={settings.error} retry={() => settings.refetch()} />;
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  type Row = { s: Subject; score: number };
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        <KindPicker testId="discovery-kind" kinds={kinds} value={k} onChange={setKind} />
        <Radio.Group
          data-testid="discovery-view"
          optionType="button"
          value={view}
          onChange={(e) => setView(e.target.value)}
          options={[{ value: 'hot', label: t('content.hot') }, ...(['day', 'week', 'month', 'all'] as const).map((p) => ({ value: p, label: t(PERIOD_LABEL[p]) }))]}
        />
        <Button data-testid="discovery-refresh" onClick={() => list.refetch()} loading={list.isFetching}>
          {t('content.refresh')}
        </Button>
      </Space>
      <Table<Row>
        data-testid="discovery"
        rowKey={(r) => `${r.s.kind}/${r.s.id}`}
        size="small"
        loading={settings.isPending || list.isPending}
        pagination={false}
        dataSource={list.data ?? []}
        locale={{ emptyText: <Empty description={t('content.noRanking')} /> }}
        columns={[
          { title: t('content.rank'), render: (_, _r, i) => <span data-testid="discovery-rank">{i + 1}</span> },
          { title: t('content.title'), render: (_, r) => <Typography.Text data-testid="discovery-title">{title(r.s)}</Typography.Text> },
          { title: t('content.score'), render: (_, r) => <span data-testid="discovery-score">{Math.round(r.score * 100) / 100}</span> },
        ]}
      />
    </>
  );
}

type SlotItem = { kind: string; subject_id: string; title: string | null; starts_at: string | null; ends_at: string | null; note: string | null };

function SlotEditor({ appId, slotKey, mayCurate, kinds }: { appId: string; slotKey: string; mayCurate: boolean; kinds: string[] }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const slot = useQuery({ queryKey: ['interactions', 'slot', appId, slotKey], queryFn: () => ok(api.GET('/v1/slots/{key}', { params: { path: { key: slotKey }, query: { all: 'true' } } })) });
  const [items, setItems] = useState<SlotItem[] | null>(null);
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const [addKind, setAddKind] = useState<string | undefined>(undefined);
  const [addId, setAddId] = useState('');
  useEffect(() => {
    if (slot.data) setItems(slot.data.items.map((i) => ({ kind: i.subject.kind, subject_id: i.subject.id, title: i.subject.title, starts_at: i.starts_at, ends_at: i.ends_at, note: i.note })));
  }, [slot.data]);
  const save = useMutation({
    mutationFn: (list: SlotItem[]) =>
      ok(api.PUT('/v1/slots/{key}/items', { params: { path: { key: slotKey } }, body: { items: list.map((i) => ({ kind: i.kind, subject_id: i.subject_id, starts_at: i.starts_at, ends_at: i.ends_at, note: i.note })) } })),
    onSuccess: () => {
      void message.success(t('content.slotSaved'));
      void qc.invalidateQueries({ queryKey: ['interactions', 'slot', appId, slotKey] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const add = useMutation({
    mutationFn: ({ kind, id }: { kind: string; id: string }) => ok(api.GET('/v1/subjects/{kind}/{subjectId}', { params: { path: { kind, subjectId: id } } })),
    onSuccess: (s) => {
      setItems((l) => (l && !l.some((i) => i.kind === s.kind && i.subject_id === s.id) ? [...l, { kind: s.kind, subject_id: s.id, title: s.title, starts_at: null, ends_at: null, note: null }] : l));
      setAddId('');
    },
    onError: (e) => void message.error(errorText(e)),
  });
  if (slot.isError) return <ErrorState error={slot.error} retry={() => slot.refetch()} />;
  const move = (from: number, to: number) =>
    setItems((l) => {
      if (!l || to < 0 || to >= l.length || from === to) return l;
      const next = [...l];
      const [it] = next.splice(from, 1);
      next.splice(to, 0, it!);
      return next;
    });
  const patch = (i: number, p: Partial<SlotItem>) => setItems((l) => l && l.map((x, j) => (j === i ? { ...x, ...p } : x)));
  const k = addKind ?? kinds[0];
  return (
    <div data-testid="slot-editor">
      <Typography.Title level={5}>{slot.data ? `${unescapeHtml(slot.data.title)} (${slot.data.key})` : slotKey}</Typography.Title>
      {mayCurate ? (
        <Space style={{ marginBottom: 12 }} wrap>
          <KindPicker testId="slot-add-kind" kinds={kinds} value={k} onChange={setAddKind} />
          <Input data-testid="slot-add-id" style={{ width: 200 }} placeholder={t('content.subjectId')} value={addId} maxLength={255} onChange={(e) => setAddId(e.target.value)} onPressEnter={() => k && addId.trim() && add.mutate({ kind: k, id: addId.trim() })} />
          <Button data-testid="slot-add" disabled={!k || !addId.trim()} loading={add.isPending} onClick={() => k && add.mutate({ kind: k, id: addId.trim() })}>
            {t('content.addSubject')}
          </Button>
        </Space>
      ) : null}
      <Table<SlotItem>
        data-testid="slot-items"
        rowKey={(i) => `${i.kind}/${i.subject_id}`}
        size="small"
        loading={slot.isPending}
        pagination={false}
        dataSource={items ?? []}
        locale={{ emptyText: <Empty description={t('content.noItems')} /> }}
        onRow={(_, index) =>
          mayCurate
            ? {
                draggable: true,
                onDragStart: () => setDragFrom(index ?? null),
                onDragOver: (e) => e.preventDefault(),
                onDrop: (e) => {
                  e.preventDefault();
                  if (dragFrom !== null && index !== undefined) move(dragFrom, index);
                  setDragFrom(null);
                },
              }
            : {}
        }
        columns={[
          { title: '#', render: (_, _i, n) => n + 1 },
          { title: t('content.title'), render: (_, i) => <Typography.Text data-testid="slot-item-title">{title({ title: i.title, id: i.subject_id })}</Typography.Text> },
          { title: t('content.kind'), render: (_, i) => <Typography.Text type="secondary">{`${i.kind}/${i.subject_id}`}</Typography.Text> },
          {
            title: t('content.window'),
            render: (_, i, n) =>
              mayCurate ? (
                <DatePicker.RangePicker
                  showTime
                  allowEmpty={[true, true]}
                  placeholder={[t('content.startsAt'), t('content.endsAt')]}
                  value={[i.starts_at ? dayjs(i.starts_at) : null, i.ends_at ? dayjs(i.ends_at) : null]}
                  onChange={(v) => patch(n, { starts_at: (v?.[0] as Dayjs | null | undefined)?.toISOString() ?? null, ends_at: (v?.[1] as Dayjs | null | undefined)?.toISOString() ?? null })}
                />
              ) : (
                `${i.starts_at ? date(i.starts_at) : '—'} ~ ${i.ends_at ? date(i.ends_at) : '—'}`
              ),
          },
          ...(mayCurate
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, _i: SlotItem, n: number) => (
                    <Space size={4}>
                      <Button size="small" data-testid="slot-item-up" aria-label={t('content.moveUp')} disabled={n === 0} onClick={() => move(n, n - 1)}>
                        ↑
                      </Button>
                      <Button size="small" data-testid="slot-item-down" aria-label={t('content.moveDown')} disabled={n === (items?.length ?? 0) - 1} onClick={() => move(n, n + 1)}>
                        ↓
                      </Button>
                      <Button size="small" danger data-testid="slot-item-remove" onClick={() => setItems((l) => l && l.filter((_x, j) => j !== n))}>
                        {t('content.remove')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {mayCurate ? (
        <Button data-testid="slot-save" type="primary" style={{ marginTop: 12 }} loading={save.isPending} disabled={!items} onClick={() => items && save.mutate(items)}>
          {t('common.save')}
        </Button>
      ) : null}
    </div>
  );
}

export function Slots({ appId, mayCurate }: { appId: string; mayCurate: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const { kinds } = useKinds(appId);
  const pager = useCursor();
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState<string | null>(null);
  const [form] = Form.useForm<{ key: string; title: string }>();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const slots = useQuery({ queryKey: ['interactions', 'slots', appId, query], queryFn: () => ok(api.GET('/v1/slots', { params: { query } })) });
  const create = useMutation({
    mutationFn: (v: { key: string; title: string }) => ok(api.POST('/v1/slots', { body: { key: v.key.trim(), title: v.title.trim() } })),
    onSuccess: (s) => {
      setOpen(false);
      form.resetFields();
      setPicked(s.key);
      void qc.invalidateQueries({ queryKey: ['interactions', 'slots'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  if (slots.isError) return <ErrorState error={slots.error} retry={() => slots.refetch()} />;
  type Slot = Schemas['CuratedSlot'];
  return (
    <>
      {mayCurate ? (
        <Button data-testid="slot-new" type="primary" style={{ marginBottom: 12 }} onClick={() => setOpen(true)}>
          {t('content.newSlot')}
        </Button>
      ) : null}
      <Table<Slot>
        data-testid="slots"
        rowKey="key"
        size="small"
        loading={slots.isPending}
        pagination={false}
        dataSource={slots.data?.data ?? []}
        locale={{ emptyText: <Empty description={t('content.noSlots')} /> }}
        rowClassName={(s) => (s.key === picked ? 'ant-table-row-selected' : '')}
        columns={[
          { title: t('content.slotKey'), dataIndex: 'key' },
          { title: t('content.slotName'), dataIndex: 'title', render: (v: string) => <Typography.Text data-testid="slot-title">{unescapeHtml(v)}</Typography.Text> },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
          {
            title: t('common.actions'),
            render: (_, s) => (
              <Button size="small" data-testid="slot-open" onClick={() => setPicked(s.key)}>
                {mayCurate ? t('content.edit') : t('content.view')}
              </Button>
            ),
          },
        ]}
      />
      <CursorPager pager={pager} nextCursor={slots.data?.next_cursor} />
      {picked ? (
        <div style={{ marginTop: 24 }}>
          <SlotEditor key={picked} appId={appId} slotKey={picked} mayCurate={mayCurate} kinds={kinds} />
        </div>
      ) : null}
      <Modal open={open} title={t('content.newSlot')} onCancel={() => setOpen(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, ...({ 'data-testid': 'slot-create' } as object) }} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
          <Form.Item name="key" label={t('content.slotKey')} extra={t('content.slotKeyHelp')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9_.-]{0,63}$/, message: t('content.slotKeyHelp') }]}>
            <Input data-testid="slot-key" maxLength={64} />
          </Form.Item>
          <Form.Item name="title" label={t('content.slotName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input data-testid="slot-name" maxLength={100} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

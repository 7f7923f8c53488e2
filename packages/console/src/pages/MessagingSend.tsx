// Messaging composer and sends: a template with its variable values, an audience (users, a
// segment, users whose traits match, or everyone), channels, an optional schedule and campaign
// label, a server-rendered preview, then send; the sends list with status, counts, statistics
// and cancelling a scheduled send.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, DatePicker, Drawer, Form, Input, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { CATEGORIES, CHANNELS, Descr, TemplatePreview, useTemplates, type Category, type Channel } from './MessagingTemplates.tsx';

type Send = Schemas['Send'];
type SendStatus = Send['status'];
const SEND_STATUS: Record<SendStatus, MessageKey> = { scheduled: 'msg.sstatus.scheduled', queued: 'msg.sstatus.queued', running: 'msg.sstatus.running', done: 'msg.sstatus.done', failed: 'msg.sstatus.failed', canceled: 'msg.sstatus.canceled' };
const STATUS_COLOR: Record<SendStatus, string> = { scheduled: 'blue', queued: 'default', running: 'processing', done: 'green', failed: 'red', canceled: 'default' };
type AudienceKind = 'users' | 'segment' | 'traits' | 'all';
type ComposeForm = { template: string; data?: Record<string, string>; audience: AudienceKind; user_ids?: string[]; segment?: string; traits?: string; channels: Channel[]; scheduled_at?: Dayjs | null; campaign?: string; transactional?: boolean };

/** "plan=gold, city=上海" → { plan: 'gold', city: '上海' } (numbers and true/false typed). */
function parseTraits(s: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const part of s.split(/[,，\n]/)) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    out[k] = v === 'true' ? true : v === 'false' ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
}

export function Composer({ appId, onSent }: { appId: string; onSent: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<ComposeForm>();
  const templates = useTemplates(appId);
  const segments = useQuery({ queryKey: ['msg', 'segments', appId], queryFn: () => ok(api.GET('/v1/segments', { params: { query: { limit: 100 } } })), retry: false });
  const key = Form.useWatch('template', form);
  const audience = Form.useWatch('audience', form);
  const dataValues = Form.useWatch('data', form);
  const [previewData, setPreviewData] = useState<Record<string, string | number> | null>(null);
  const tpl = templates.data?.data.find((x) => x.key === key);
  const cleanData = (d: Record<string, string> | undefined) => Object.fromEntries(Object.entries(d ?? {}).filter(([, v]) => v !== undefined && v !== ''));
  const send = useMutation({
    mutationFn: (v: ComposeForm) => {
      const to =
        v.audience === 'users' ? (v.user_ids?.length === 1 ? { user_id: v.user_ids[0]! } : { user_ids: v.user_ids ?? [] }) : v.audience === 'segment' ? { audience: { segment: v.segment ?? '' } } : v.audience === 'traits' ? { audience: { traits: parseTraits(v.traits ?? '') } } : { audience: { all: true as const } };
      const data = cleanData(v.data);
      return ok(
        api.POST('/v1/messaging/sends', {
          body: {
            to,
            template: v.template,
            ...(Object.keys(data).length ? { data } : {}),
            channels: v.channels,
            transactional: !!v.transactional,
            ...(v.scheduled_at ? { scheduled_at: v.scheduled_at.toISOString() } : {}),
            ...(v.campaign?.trim() ? { campaign: v.campaign.trim() } : {}),
          },
        }),
      );
    },
    onSuccess: (r) => {
      const results = 'results' in r && Array.isArray(r.results) ? r.results : null;
      void message.success(results ? t('msg.sentTo', { n: results.length, sent: r.counts.sent }) : r.status === 'scheduled' ? t('msg.scheduled') : t('msg.queued'));
      setPreviewData(null);
      form.resetFields();
      void qc.invalidateQueries({ queryKey: ['msg', 'sends'] });
      onSent();
    },
    onError: (e) => void message.error(errorText(e)),
  });
  return (
    <Card title={t('msg.composer')}>
      <Form<ComposeForm> form={form} layout="vertical" initialValues={{ audience: 'users', channels: ['in_app'] }} onFinish={(v) => send.mutate(v)} style={{ maxWidth: 880 }}>
        <Form.Item name="template" label={t('msg.template')} rules={[{ required: true, message: t('msg.templateRequired') }]}>
          <Select
            data-testid="msg-compose-template"
            showSearch
            loading={templates.isPending}
            notFoundContent={t('msg.templatesEmpty')}
            onChange={() => setPreviewData(null)}
            options={(templates.data?.data ?? []).map((x) => ({ value: x.key, label: `${x.key} · ${x.content['zh-CN'].title}` }))}
          />
        </Form.Item>
        {tpl && Object.keys(tpl.variables).length ? (
          <Form.Item label={t('msg.variableValues')} extra={t('msg.variableValuesHint')}>
            <Space wrap>
              {Object.entries(tpl.variables).map(([name, v]) => (
                <Form.Item key={name} name={['data', name]} noStyle>
                  <Input data-testid={`msg-compose-var-${name}`} addonBefore={name} placeholder={String(v.sample)} style={{ width: 260 }} maxLength={500} />
                </Form.Item>
              ))}
            </Space>
          </Form.Item>
        ) : null}
        <Form.Item name="audience" label={t('msg.audience')}>
          <Radio.Group data-testid="msg-compose-audience">
            <Radio value="users">{t('msg.aud.users')}</Radio>
            <Radio value="segment">{t('msg.aud.segment')}</Radio>
            <Radio value="traits">{t('msg.aud.traits')}</Radio>
            <Radio value="all">{t('msg.aud.all')}</Radio>
          </Radio.Group>
        </Form.Item>
        {audience === 'users' ? (
          <Form.Item name="user_ids" rules={[{ required: true, message: t('msg.usersRequired') }]} extra={t('msg.usersHint')}>
            <Select data-testid="msg-compose-users" mode="tags" tokenSeparators={[',', ' ', '\n']} open={false} placeholder={t('msg.userIds')} />
          </Form.Item>
        ) : null}
        {audience === 'segment' ? (
          <Form.Item name="segment" rules={[{ required: true, message: t('msg.segmentRequired') }]}>
            <Select data-testid="msg-compose-segment" loading={segments.isPending} notFoundContent={t('msg.noSegments')} options={(segments.data?.data ?? []).map((s) => ({ value: s.id, label: s.name }))} />
          </Form.Item>
        ) : null}
        {audience === 'traits' ? (
          <Form.Item name="traits" rules={[{ required: true, message: t('msg.traitsRequired') }]} extra={t('msg.traitsHint')}>
            <Input data-testid="msg-compose-traits" placeholder="plan=gold, city=上海" maxLength={2000} />
          </Form.Item>
        ) : null}
        {audience === 'all' ? <Typography.Paragraph type="warning">{t('msg.allWarning')}</Typography.Paragraph> : null}
        <Space wrap align="start" size="large">
          <Form.Item name="channels" label={t('msg.channels')} rules={[{ required: true, message: t('msg.channelsRequired') }]}>
            <Checkbox.Group data-testid="msg-compose-channels" options={(Object.keys(CHANNELS) as Channel[]).map((c) => ({ value: c, label: t(CHANNELS[c]) }))} />
          </Form.Item>
          <Form.Item name="scheduled_at" label={t('msg.schedule')} extra={t('msg.scheduleHint')}>
            <DatePicker data-testid="msg-compose-schedule" showTime disabledDate={(d) => d.isBefore(new Date(), 'day')} />
          </Form.Item>
          <Form.Item name="campaign" label={t('msg.campaign')}>
            <Input data-testid="msg-compose-campaign" maxLength={128} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="transactional" label={t('msg.transactional')} valuePropName="checked" extra={t('msg.transactionalHint')}>
            <Checkbox />
          </Form.Item>
        </Space>
        <Space>
          <Button data-testid="msg-compose-preview" disabled={!key} onClick={() => setPreviewData(cleanData(dataValues))}>
            {t('msg.preview')}
          </Button>
          <Button data-testid="msg-compose-send" type="primary" htmlType="submit" loading={send.isPending}>
            {t('msg.send')}
          </Button>
        </Space>
        {key && previewData ? (
          <div style={{ marginTop: 16 }}>
            <TemplatePreview templateKey={key} data={previewData} />
          </div>
        ) : null}
      </Form>
    </Card>
  );
}

function SendDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, date, num } = useI18n();
  const s = useQuery({ queryKey: ['msg', 'send', id], queryFn: () => ok(api.GET('/v1/messaging/sends/{sendId}', { params: { path: { sendId: id } } })) });
  return (
    <Drawer open width={600} onClose={onClose} title={t('msg.sendStats')}>
      {s.isError ? <ErrorState error={s.error} retry={() => s.refetch()} /> : null}
      {s.data ? (
        <Space direction="vertical" style={{ width: '100%' }} data-testid="msg-send-detail">
          <Descr
            items={[
              [t('msg.status'), <Tag key="s" color={STATUS_COLOR[s.data.status]}>{t(SEND_STATUS[s.data.status])}</Tag>],
              [t('msg.template'), s.data.template ?? '—'],
              [t('msg.audience'), <Typography.Text key="a" code>{JSON.stringify(s.data.audience)}</Typography.Text>],
              [t('msg.channels'), s.data.channels.map((c) => t(CHANNELS[c])).join(', ')],
              [t('msg.scheduledAt'), date(s.data.scheduled_at)],
              [t('msg.finishedAt'), date(s.data.finished_at)],
              [t('msg.messages'), num(s.data.stats.messages)],
              [t('msg.inboxStats'), t('msg.inboxLine', { sent: num(s.data.stats.inbox.sent), read: num(s.data.stats.inbox.read), clicked: num(s.data.stats.inbox.clicked), capped: num(s.data.stats.inbox.capped), suppressed: num(s.data.stats.inbox.suppressed) })],
            ]}
          />
          <ChannelStats channels={s.data.stats.channels} />
          {s.data.error ? <Typography.Text type="danger">{s.data.error}</Typography.Text> : null}
        </Space>
      ) : null}
    </Drawer>
  );
}

export function ChannelStats({ channels }: { channels: Record<string, Record<string, number>> }) {
  const { t, num } = useI18n();
  const rows = Object.entries(channels).map(([channel, counts]) => ({ channel, counts }));
  const statuses = [...new Set(rows.flatMap((r) => Object.keys(r.counts)))].sort();
  return (
    <Table
      data-testid="msg-channel-stats"
      rowKey="channel"
      size="small"
      pagination={false}
      dataSource={rows}
      locale={{ emptyText: t('msg.noDeliveries') }}
      columns={[{ title: t('msg.channel'), dataIndex: 'channel', render: (c: string) => (c in CHANNELS ? t(CHANNELS[c as Channel]) : c) }, ...statuses.map((st) => ({ title: st, render: (_: unknown, r: { counts: Record<string, number> }) => num(r.counts[st] ?? 0) }))]}
    />
  );
}

export function Sends({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date, num } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [status, setStatus] = useState<SendStatus | undefined>();
  const [campaign, setCampaign] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const query = { limit: 25, ...(status ? { status } : {}), ...(campaign ? { campaign } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['msg', 'sends', appId, query], queryFn: () => ok(api.GET('/v1/messaging/sends', { params: { query } })) });
  const cancel = useMutation({
    mutationFn: (id: string) => ok(api.POST('/v1/messaging/sends/{sendId}/cancel', { params: { path: { sendId: id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['msg', 'sends'] }),
    onError: (e) => void message.error(errorText(e)),
  });
  const audienceText = (s: Send) => {
    const a = s.audience as { user_id?: string; user_ids?: string[]; all?: boolean; segment?: string; traits?: Record<string, unknown> };
    if (a.all) return t('msg.aud.all');
    if (a.segment) return `${t('msg.aud.segment')}: ${a.segment}`;
    if (a.traits) return `${t('msg.aud.traits')}: ${JSON.stringify(a.traits)}`;
    if (a.user_ids) return a.user_ids.length > 3 ? t('msg.nUsers', { n: a.user_ids.length }) : a.user_ids.join(', ');
    if (a.user_id) return a.user_id;
    return JSON.stringify(a);
  };
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('msg.sends')}
      extra={
        <Space>
          <Input.Search
            allowClear
            placeholder={t('msg.campaign')}
            style={{ width: 180 }}
            onSearch={(v) => {
              setCampaign(v.trim());
              pager.reset();
            }}
          />
          <Select<SendStatus>
            allowClear
            data-testid="msg-sends-status"
            style={{ width: 140 }}
            placeholder={t('msg.allStatuses')}
            value={status}
            onChange={(v) => {
              setStatus(v);
              pager.reset();
            }}
            options={(Object.keys(SEND_STATUS) as SendStatus[]).map((s) => ({ value: s, label: t(SEND_STATUS[s]) }))}
          />
        </Space>
      }
    >
      <Table<Send>
        data-testid="msg-sends"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('msg.sendsEmpty') }}
        columns={[
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
          { title: t('msg.template'), dataIndex: 'template', render: (v: string | null, s) => <Space direction="vertical" size={0}><Typography.Text code data-testid="msg-send-template">{v ?? '—'}</Typography.Text>{s.campaign ? <Typography.Text type="secondary">{s.campaign}</Typography.Text> : null}</Space> },
          { title: t('msg.audience'), render: (_, s) => <Typography.Text data-testid="msg-send-audience">{audienceText(s)}</Typography.Text> },
          { title: t('msg.category'), dataIndex: 'category', render: (v: Category) => t(CATEGORIES[v]) },
          { title: t('msg.channels'), dataIndex: 'channels', render: (v: Channel[]) => v.map((c) => <Tag key={c}>{t(CHANNELS[c])}</Tag>) },
          { title: t('msg.status'), dataIndex: 'status', render: (v: SendStatus, s) => <Space direction="vertical" size={0}><Tag data-testid="msg-send-status" color={STATUS_COLOR[v]}>{t(SEND_STATUS[v])}</Tag>{v === 'scheduled' ? <Typography.Text type="secondary">{date(s.scheduled_at)}</Typography.Text> : null}</Space> },
          { title: t('msg.counts'), render: (_, s) => <Typography.Text data-testid="msg-send-counts">{t('msg.countsLine', { targeted: num(s.counts.targeted), sent: num(s.counts.sent), deferred: num(s.counts.deferred), capped: num(s.counts.capped) })}</Typography.Text> },
          {
            title: t('common.actions'),
            render: (_, s) => (
              <Space size={4}>
                <Button size="small" data-testid="msg-send-stats" onClick={() => setOpen(s.id)}>
                  {t('msg.stats')}
                </Button>
                {mayManage && s.status === 'scheduled' ? (
                  <Button size="small" danger data-testid="msg-send-cancel" loading={cancel.isPending && cancel.variables === s.id} onClick={() => cancel.mutate(s.id)}>
                    {t('msg.cancelSend')}
                  </Button>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      {open ? <SendDetail id={open} onClose={() => setOpen(null)} /> : null}
    </Card>
  );
}

// Messaging settings and the rest: announcements (zh-CN/English, a window, withdraw), the contact
// budget (frequency caps) and quiet hours with the default locale and time zone, event rules
// (event → recipient → template) and delivery statistics of a campaign label.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Col, DatePicker, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { EventPicker } from '../components/EventPicker.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { ChannelStats } from './MessagingSend.tsx';
import { CATEGORIES, CHANNELS, useTemplates, type Category, type Channel } from './MessagingTemplates.tsx';

type Announcement = Schemas['Announcement'];
type AnnForm = { category: Category; zh_title?: string; zh_body?: string; en_title?: string; en_body?: string; url?: string; starts_at?: Dayjs | null; expires_at?: Dayjs | null; campaign?: string; realtime: boolean };

export function Announcements({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date, num } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['msg', 'announcements', appId, query], queryFn: () => ok(api.GET('/v1/messaging/announcements', { params: { query } })) });
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<AnnForm>();
  const refresh = () => void qc.invalidateQueries({ queryKey: ['msg', 'announcements'] });
  const create = useMutation({
    mutationFn: (v: AnnForm) => {
      const content = {
        ...(v.zh_title?.trim() && v.zh_body?.trim() ? { 'zh-CN': { title: v.zh_title, body: v.zh_body } } : {}),
        ...(v.en_title?.trim() && v.en_body?.trim() ? { en: { title: v.en_title, body: v.en_body } } : {}),
      };
      return ok(
        api.POST('/v1/messaging/announcements', {
          body: {
            category: v.category,
            content,
            realtime: v.realtime,
            ...(v.url?.trim() ? { url: v.url.trim() } : {}),
            ...(v.starts_at ? { starts_at: v.starts_at.toISOString() } : {}),
            ...(v.expires_at ? { expires_at: v.expires_at.toISOString() } : {}),
            ...(v.campaign?.trim() ? { campaign: v.campaign.trim() } : {}),
          },
        }),
      );
    },
    onSuccess: () => {
      setOpen(false);
      form.resetFields();
      void message.success(t('msg.saved'));
      refresh();
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const withdraw = useMutation({ mutationFn: (id: string) => ok(api.DELETE('/v1/messaging/announcements/{announcementId}', { params: { path: { announcementId: id } } })), onSuccess: refresh, onError: (e) => void message.error(errorText(e)) });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('msg.announcements')}
      extra={
        mayManage ? (
          <Button data-testid="msg-ann-new" type="primary" onClick={() => setOpen(true)}>
            {t('msg.annNew')}
          </Button>
        ) : null
      }
    >
      <Table<Announcement>
        data-testid="msg-announcements"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('msg.annEmpty') }}
        columns={[
          { title: t('msg.zh'), render: (_, a) => <Typography.Text data-testid="msg-ann-title">{a.content['zh-CN']?.title ?? '—'}</Typography.Text> },
          { title: t('msg.en'), render: (_, a) => a.content.en?.title ?? '—' },
          { title: t('msg.category'), dataIndex: 'category', render: (v: Category) => t(CATEGORIES[v]) },
          { title: t('msg.window'), render: (_, a) => `${date(a.starts_at)} → ${a.expires_at ? date(a.expires_at) : '∞'}` },
          { title: t('msg.readClicked'), render: (_, a) => (a.stats ? `${num(a.stats.read)} / ${num(a.stats.clicked)}` : '—') },
          { title: t('msg.status'), render: (_, a) => (a.withdrawn_at ? <Tag>{t('msg.withdrawn')}</Tag> : <Tag color="green">{t('msg.live')}</Tag>) },
          ...(mayManage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, a: Announcement) =>
                    a.withdrawn_at ? null : (
                      <Popconfirm title={t('msg.withdrawConfirm')} onConfirm={() => withdraw.mutate(a.id)}>
                        <Button size="small" danger data-testid="msg-ann-withdraw">
                          {t('msg.withdraw')}
                        </Button>
                      </Popconfirm>
                    ),
                },
              ]
            : []),
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      {mayManage ? (
        <Modal width={900} open={open} title={t('msg.annNew')} onCancel={() => setOpen(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, 'data-testid': 'msg-ann-save' }} forceRender>
          <Form
            form={form}
            layout="vertical"
            initialValues={{ category: 'system', realtime: true }}
            onFinish={(v) => {
              if (!(v.zh_title?.trim() && v.zh_body?.trim()) && !(v.en_title?.trim() && v.en_body?.trim())) return void message.error(t('msg.oneLanguage'));
              create.mutate(v);
            }}
          >
            <Row gutter={16}>
              <Col span={12}>
                <Typography.Title level={5}>{t('msg.zh')}</Typography.Title>
                <Form.Item name="zh_title" label={t('msg.title')}>
                  <Input data-testid="msg-ann-zh-title" maxLength={200} />
                </Form.Item>
                <Form.Item name="zh_body" label={t('msg.body')}>
                  <Input.TextArea data-testid="msg-ann-zh-body" autoSize={{ minRows: 3 }} maxLength={5000} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Typography.Title level={5}>{t('msg.en')}</Typography.Title>
                <Form.Item name="en_title" label={t('msg.title')}>
                  <Input data-testid="msg-ann-en-title" maxLength={200} />
                </Form.Item>
                <Form.Item name="en_body" label={t('msg.body')}>
                  <Input.TextArea autoSize={{ minRows: 3 }} maxLength={5000} />
                </Form.Item>
              </Col>
            </Row>
            <Space wrap align="start">
              <Form.Item name="category" label={t('msg.category')}>
                <Select style={{ width: 140 }} options={(Object.keys(CATEGORIES) as Category[]).map((c) => ({ value: c, label: t(CATEGORIES[c]) }))} />
              </Form.Item>
              <Form.Item name="starts_at" label={t('msg.startsAt')}>
                <DatePicker showTime />
              </Form.Item>
              <Form.Item name="expires_at" label={t('msg.expiresAt')}>
                <DatePicker showTime />
              </Form.Item>
              <Form.Item name="campaign" label={t('msg.campaign')}>
                <Input maxLength={128} />
              </Form.Item>
              <Form.Item name="realtime" label={t('msg.realtimePush')} valuePropName="checked">
                <Switch />
              </Form.Item>
            </Space>
            <Form.Item name="url" label={t('msg.url')}>
              <Input maxLength={2000} />
            </Form.Item>
          </Form>
        </Modal>
      ) : null}
    </Card>
  );
}

type Cap = Schemas['CapRule'];
type Period = Cap['period'];
const PERIODS: Record<Period, MessageKey> = { hour: 'msg.period.hour', day: 'msg.period.day', week: 'msg.period.week' };
type CapForm = { channel: Channel | 'any'; category: Category | 'any'; max: number; period: Period };
type SettingsForm = { default_locale: string; default_timezone: string; quiet: boolean; quiet_start?: string; quiet_end?: string; quiet_channels?: Channel[] };

export function ContactBudget({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const settings = useQuery({ queryKey: ['msg', 'settings', appId], queryFn: () => ok(api.GET('/v1/messaging/settings')) });
  const caps = useQuery({ queryKey: ['msg', 'caps', appId], queryFn: () => ok(api.GET('/v1/messaging/caps')) });
  const [capForm] = Form.useForm<CapForm>();
  const fail = (e: unknown) => void message.error(errorText(e));
  const saveSettings = useMutation({
    mutationFn: (v: SettingsForm) =>
      ok(
        api.PATCH('/v1/messaging/settings', {
          body: {
            default_locale: v.default_locale,
            default_timezone: v.default_timezone,
            quiet_hours: v.quiet ? { start: v.quiet_start ?? '22:00', end: v.quiet_end ?? '08:00', ...(v.quiet_channels?.length ? { channels: v.quiet_channels } : {}) } : null,
          },
        }),
      ),
    onSuccess: () => {
      void message.success(t('msg.saved'));
      void qc.invalidateQueries({ queryKey: ['msg', 'settings'] });
    },
    onError: fail,
  });
  const addCap = useMutation({
    mutationFn: (v: CapForm) => ok(api.POST('/v1/messaging/caps', { body: { channel: v.channel === 'any' ? null : v.channel, category: v.category === 'any' ? null : v.category, max: v.max, period: v.period } })),
    onSuccess: () => {
      capForm.resetFields();
      void qc.invalidateQueries({ queryKey: ['msg', 'caps'] });
    },
    onError: fail,
  });
  const removeCap = useMutation({ mutationFn: (id: string) => ok(api.DELETE('/v1/messaging/caps/{capId}', { params: { path: { capId: id } } })), onSuccess: () => void qc.invalidateQueries({ queryKey: ['msg', 'caps'] }), onError: fail });
  const clock = { pattern: /^([01]\d|2[0-3]):[0-5]\d$/, message: t('msg.clockRule') };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {caps.isError ? (
        <ErrorState error={caps.error} retry={() => caps.refetch()} />
      ) : (
        <Card title={t('msg.caps')}>
          <Typography.Paragraph type="secondary">{t('msg.capsHint')}</Typography.Paragraph>
          {mayManage ? (
            <Form form={capForm} layout="inline" initialValues={{ channel: 'any', category: 'any', max: 3, period: 'day' }} onFinish={(v) => addCap.mutate(v)} style={{ marginBottom: 12, rowGap: 8 }}>
              <Form.Item name="channel">
                <Select style={{ width: 150 }} options={[{ value: 'any', label: t('msg.anyChannel') }, ...(Object.keys(CHANNELS) as Channel[]).map((c) => ({ value: c, label: t(CHANNELS[c]) }))]} />
              </Form.Item>
              <Form.Item name="category">
                <Select style={{ width: 150 }} options={[{ value: 'any', label: t('msg.anyCategory') }, ...(Object.keys(CATEGORIES) as Category[]).map((c) => ({ value: c, label: t(CATEGORIES[c]) }))]} />
              </Form.Item>
              <Form.Item name="max" rules={[{ required: true, message: t('msg.required') }]}>
                <InputNumber data-testid="msg-cap-max" min={0} max={10000} precision={0} addonAfter={t('msg.messagesPer')} />
              </Form.Item>
              <Form.Item name="period">
                <Select style={{ width: 100 }} options={(Object.keys(PERIODS) as Period[]).map((p) => ({ value: p, label: t(PERIODS[p]) }))} />
              </Form.Item>
              <Button data-testid="msg-cap-add" htmlType="submit" loading={addCap.isPending}>
                {t('msg.capAdd')}
              </Button>
            </Form>
          ) : null}
          <Table<Cap>
            data-testid="msg-caps"
            rowKey="id"
            size="small"
            loading={caps.isPending}
            pagination={false}
            dataSource={caps.data?.data ?? []}
            locale={{ emptyText: t('msg.capsEmpty') }}
            columns={[
              { title: t('msg.channel'), dataIndex: 'channel', render: (v: Channel | null) => (v ? t(CHANNELS[v]) : t('msg.anyChannel')) },
              { title: t('msg.category'), dataIndex: 'category', render: (v: Category | null) => (v ? t(CATEGORIES[v]) : t('msg.anyCategory')) },
              { title: t('msg.limit'), render: (_, c) => <span data-testid="msg-cap-limit">{t('msg.capLine', { max: c.max, period: t(PERIODS[c.period]) })}</span> },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
              ...(mayManage
                ? [
                    {
                      title: t('common.actions'),
                      render: (_: unknown, c: Cap) => (
                        <Popconfirm title={t('msg.capDeleteConfirm')} onConfirm={() => removeCap.mutate(c.id)}>
                          <Button size="small" danger data-testid="msg-cap-delete">
                            {t('msg.delete')}
                          </Button>
                        </Popconfirm>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        </Card>
      )}
      {settings.isError ? (
        <ErrorState error={settings.error} retry={() => settings.refetch()} />
      ) : !settings.data ? (
        <Card loading />
      ) : (
        <Card title={t('msg.quietHours')}>
          <Form<SettingsForm>
            layout="vertical"
            disabled={!mayManage}
            initialValues={{
              default_locale: settings.data.default_locale,
              default_timezone: settings.data.default_timezone,
              quiet: !!settings.data.quiet_hours,
              quiet_start: settings.data.quiet_hours?.start ?? '22:00',
              quiet_end: settings.data.quiet_hours?.end ?? '08:00',
              quiet_channels: settings.data.quiet_hours?.channels ?? [],
            }}
            onFinish={(v) => saveSettings.mutate(v)}
          >
            <Typography.Paragraph type="secondary">{t('msg.quietHint')}</Typography.Paragraph>
            <Space wrap align="start">
              <Form.Item name="quiet" label={t('msg.quietOn')} valuePropName="checked">
                <Switch data-testid="msg-quiet-on" />
              </Form.Item>
              <Form.Item name="quiet_start" label={t('msg.quietStart')} rules={[clock]}>
                <Input data-testid="msg-quiet-start" placeholder="22:00" style={{ width: 100 }} />
              </Form.Item>
              <Form.Item name="quiet_end" label={t('msg.quietEnd')} rules={[clock]}>
                <Input data-testid="msg-quiet-end" placeholder="08:00" style={{ width: 100 }} />
              </Form.Item>
              <Form.Item name="quiet_channels" label={t('msg.quietChannels')} extra={t('msg.quietChannelsHint')}>
                <Checkbox.Group options={(Object.keys(CHANNELS) as Channel[]).map((c) => ({ value: c, label: t(CHANNELS[c]) }))} />
              </Form.Item>
            </Space>
            <Space wrap align="start">
              <Form.Item name="default_locale" label={t('msg.defaultLocale')}>
                <Select
                  style={{ width: 140 }}
                  options={[
                    { value: 'zh-CN', label: '简体中文' },
                    { value: 'en', label: 'English' },
                  ]}
                />
              </Form.Item>
              <Form.Item name="default_timezone" label={t('msg.defaultTimezone')}>
                <Input style={{ width: 200 }} maxLength={64} />
              </Form.Item>
            </Space>
            {mayManage ? (
              <Form.Item>
                <Button data-testid="msg-settings-save" type="primary" htmlType="submit" loading={saveSettings.isPending}>
                  {t('common.save')}
                </Button>
              </Form.Item>
            ) : null}
          </Form>
        </Card>
      )}
    </Space>
  );
}

type Rule = Schemas['MessageRule'];
type RuleForm = { event: string; recipient: string; template: string; channels: Channel[]; data?: string };

export function MessageRules({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['msg', 'rules', appId, query], queryFn: () => ok(api.GET('/v1/messaging/rules', { params: { query } })) });
  const templates = useTemplates(appId);
  const [form] = Form.useForm<RuleForm>();
  const refresh = () => void qc.invalidateQueries({ queryKey: ['msg', 'rules'] });
  const fail = (e: unknown) => void message.error(errorText(e));
  const create = useMutation({
    mutationFn: (v: RuleForm) => {
      // "coupon=properties.amount, name=user.name" → { coupon: 'properties.amount', … }
      const data = Object.fromEntries(
        (v.data ?? '')
          .split(/[,，\n]/)
          .map((x) => x.split('=').map((y) => y.trim()))
          .filter((x): x is [string, string] => x.length === 2 && !!x[0] && !!x[1]),
      );
      return ok(api.POST('/v1/messaging/rules', { body: { event: v.event.trim(), recipient: v.recipient.trim(), template: v.template, channels: v.channels, ...(Object.keys(data).length ? { data } : {}) } }));
    },
    onSuccess: () => {
      form.resetFields();
      refresh();
    },
    onError: fail,
  });
  const toggle = useMutation({ mutationFn: (x: { id: string; enabled: boolean }) => ok(api.PATCH('/v1/messaging/rules/{ruleId}', { params: { path: { ruleId: x.id } }, body: { enabled: x.enabled } })), onSuccess: refresh, onError: fail });
  const remove = useMutation({ mutationFn: (id: string) => ok(api.DELETE('/v1/messaging/rules/{ruleId}', { params: { path: { ruleId: id } } })), onSuccess: refresh, onError: fail });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card title={t('msg.rules')}>
      <Typography.Paragraph type="secondary">{t('msg.rulesHint')}</Typography.Paragraph>
      {mayManage ? (
        <Form form={form} layout="inline" initialValues={{ channels: ['in_app'] }} onFinish={(v) => create.mutate(v)} style={{ marginBottom: 12, rowGap: 8 }}>
          <Form.Item name="event" rules={[{ required: true, whitespace: true, message: t('msg.required') }]}>
            <EventPicker testId="msg-rule-event" width={220} placeholder={t('msg.ruleEvent')} />
          </Form.Item>
          <Form.Item name="recipient" rules={[{ required: true, pattern: /^[A-Za-z_$][\w$]*(\.[\w$]+)*$/, message: t('msg.pathRule') }]}>
            <Input data-testid="msg-rule-recipient" placeholder={t('msg.ruleRecipient')} style={{ width: 200 }} maxLength={200} />
          </Form.Item>
          <Form.Item name="template" rules={[{ required: true, message: t('msg.templateRequired') }]}>
            <Select data-testid="msg-rule-template" placeholder={t('msg.template')} style={{ width: 180 }} options={(templates.data?.data ?? []).map((x) => ({ value: x.key, label: x.key }))} />
          </Form.Item>
          <Form.Item name="channels" rules={[{ required: true, message: t('msg.channelsRequired') }]}>
            <Select mode="multiple" style={{ width: 220 }} options={(Object.keys(CHANNELS) as Channel[]).map((c) => ({ value: c, label: t(CHANNELS[c]) }))} />
          </Form.Item>
          <Form.Item name="data" rules={[{ pattern: /^\s*([A-Za-z_]\w*\s*=\s*[A-Za-z_$][\w$.]*\s*([,，\n]\s*)?)*$/, message: t('msg.ruleDataRule') }]}>
            <Input data-testid="msg-rule-data" placeholder={t('msg.ruleData')} style={{ width: 280 }} maxLength={2000} />
          </Form.Item>
          <Button data-testid="msg-rule-add" htmlType="submit" loading={create.isPending}>
            {t('msg.ruleAdd')}
          </Button>
        </Form>
      ) : null}
      <Table<Rule>
        data-testid="msg-rules"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('msg.rulesEmpty') }}
        columns={[
          { title: t('msg.ruleEvent'), dataIndex: 'event', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          { title: t('msg.ruleRecipient'), dataIndex: 'recipient', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          { title: t('msg.template'), dataIndex: 'template', render: (v: string) => <span data-testid="msg-rule-template-cell">{v}</span> },
          { title: t('msg.channels'), dataIndex: 'channels', render: (v: Channel[]) => v.map((c) => <Tag key={c}>{t(CHANNELS[c])}</Tag>) },
          { title: t('msg.ruleDataCol'), dataIndex: 'data', render: (v: Record<string, string>) => (Object.keys(v).length ? Object.entries(v).map(([k, p]) => <Tag key={k}>{`${k} ← ${p}`}</Tag>) : '—') },
          { title: t('msg.digest'), dataIndex: 'digest', render: (v: Rule['digest']) => (v ? `${v.key} · ${v.window_seconds}s` : '—') },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
          { title: t('msg.enabled'), dataIndex: 'enabled', render: (v: boolean, r) => <Switch size="small" checked={v} disabled={!mayManage} onChange={(enabled) => toggle.mutate({ id: r.id, enabled })} /> },
          ...(mayManage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, r: Rule) => (
                    <Popconfirm title={t('msg.ruleDeleteConfirm')} onConfirm={() => remove.mutate(r.id)}>
                      <Button size="small" danger data-testid="msg-rule-delete">
                        {t('msg.delete')}
                      </Button>
                    </Popconfirm>
                  ),
                },
              ]
            : []),
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
    </Card>
  );
}

export function DeliveryStats({ appId }: { appId: string }) {
  const { t, num } = useI18n();
  const [campaign, setCampaign] = useState('');
  const stats = useQuery({ queryKey: ['msg', 'campaignStats', appId, campaign], enabled: !!campaign, queryFn: () => ok(api.GET('/v1/messaging/campaigns/{campaign}/stats', { params: { path: { campaign } } })) });
  return (
    <Card title={t('msg.deliveryStats')}>
      <Input.Search data-testid="msg-stats-campaign" placeholder={t('msg.campaign')} enterButton={t('msg.show')} style={{ maxWidth: 360, marginBottom: 16 }} onSearch={(v) => setCampaign(v.trim())} />
      {!campaign ? <Typography.Paragraph type="secondary">{t('msg.statsHint')}</Typography.Paragraph> : null}
      {stats.isError ? <ErrorState error={stats.error} retry={() => stats.refetch()} /> : null}
      {campaign && stats.isPending ? <Card loading size="small" /> : null}
      {stats.data ? (
        <Space direction="vertical" style={{ width: '100%' }} data-testid="msg-stats">
          <Row gutter={16}>
            {(
              [
                ['msg.messages', stats.data.messages],
                ['msg.stat.sent', stats.data.inbox.sent],
                ['msg.stat.read', stats.data.inbox.read],
                ['msg.stat.clicked', stats.data.inbox.clicked],
                ['msg.stat.capped', stats.data.inbox.capped],
                ['msg.stat.suppressed', stats.data.inbox.suppressed],
              ] as [MessageKey, number][]
            ).map(([k, v]) => (
              <Col key={k} span={4}>
                <Statistic title={t(k)} value={num(v)} />
              </Col>
            ))}
          </Row>
          <ChannelStats channels={stats.data.channels} />
        </Space>
      ) : null}
    </Card>
  );
}

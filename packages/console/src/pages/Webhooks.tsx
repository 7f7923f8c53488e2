// Webhooks: the endpoints (URL, event types, enabled, circuit state) with a new one from the form,
// a test call showing what the endpoint answered, the signing secret revealed or rotated (shown once
// in a dialog), delete; and the delivery log (filter by endpoint and status) with a delivery's
// payload and every attempt, and redeliver. Payloads and answers are shown as text.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Descriptions, Drawer, Form, Input, Popconfirm, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';

type Endpoint = Schemas['WebhookEndpoint'];
type Delivery = Schemas['WebhookDelivery'];
type DeliveryStatus = Delivery['status'];
const STATUSES: DeliveryStatus[] = ['pending', 'sending', 'retrying', 'succeeded', 'failed'];
const STATUS_LABEL: Record<DeliveryStatus, MessageKey> = {
  pending: 'webhooks.status.pending',
  sending: 'webhooks.status.sending',
  retrying: 'webhooks.status.retrying',
  succeeded: 'webhooks.status.succeeded',
  failed: 'webhooks.status.failed',
};
const STATUS_COLOR: Record<DeliveryStatus, string> = { pending: 'default', sending: 'processing', retrying: 'orange', succeeded: 'green', failed: 'red' };
const CIRCUIT_LABEL: Record<Endpoint['state'], MessageKey> = { closed: 'webhooks.circuit.closed', open: 'webhooks.circuit.open', half_open: 'webhooks.circuit.half_open' };

function Endpoints({ appId, mayManage, onDeliveries }: { appId: string; mayManage: boolean; onDeliveries: (endpointId: string) => void }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message, modal } = App.useApp();
  const pager = useCursor();
  const [form] = Form.useForm<{ url: string; description?: string; event_types?: string[] }>();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['webhooks', 'endpoints', appId, query], queryFn: () => ok(api.GET('/v1/webhooks/endpoints', { params: { query } })) });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['webhooks'] });
  const fail = (e: unknown) => void message.error(errorText(e));
  const showSecret = (secret: string) =>
    modal.info({
      title: t('webhooks.secretTitle'),
      content: (
        <Space direction="vertical">
          <Typography.Text>{t('webhooks.secretOnce')}</Typography.Text>
          <Typography.Text data-testid="webhook-secret" code copyable>
            {secret}
          </Typography.Text>
        </Space>
      ),
    });
  const create = useMutation({
    mutationFn: (v: { url: string; description?: string; event_types?: string[] }) =>
      ok(api.POST('/v1/webhooks/endpoints', { body: { url: v.url.trim(), ...(v.description ? { description: v.description } : {}), ...(v.event_types?.length ? { event_types: v.event_types } : {}) } })),
    onSuccess: (r) => {
      form.resetFields();
      refresh();
      if (r && 'secret' in r && typeof r.secret === 'string') showSecret(r.secret);
    },
    onError: fail,
  });
  const toggle = useMutation({ mutationFn: (e: { id: string; enabled: boolean }) => ok(api.PATCH('/v1/webhooks/endpoints/{endpointId}', { params: { path: { endpointId: e.id } }, body: { enabled: e.enabled } })), onSuccess: refresh, onError: fail });
  const remove = useMutation({ mutationFn: (id: string) => ok(api.DELETE('/v1/webhooks/endpoints/{endpointId}', { params: { path: { endpointId: id } } })), onSuccess: refresh, onError: fail });
  const rotate = useMutation({ mutationFn: (id: string) => ok(api.POST('/v1/webhooks/endpoints/{endpointId}/rotate-secret', { params: { path: { endpointId: id } }, body: {} })), onSuccess: (r) => (refresh(), showSecret(r.secret)), onError: fail });
  const reveal = useMutation({ mutationFn: (id: string) => ok(api.GET('/v1/webhooks/endpoints/{endpointId}/secret', { params: { path: { endpointId: id } } })), onSuccess: (r) => showSecret(r.secret), onError: fail });
  const test = useMutation({
    mutationFn: (id: string) => ok(api.POST('/v1/webhooks/endpoints/{endpointId}/test', { params: { path: { endpointId: id } } })),
    onSuccess: (r) => {
      refresh();
      const text = r.ok ? t('webhooks.testOk', { code: String(r.status_code ?? ''), ms: r.duration_ms }) : t('webhooks.testFailed', { reason: r.error ?? String(r.status_code ?? '') });
      if (r.ok) void message.success(text);
      else void message.error(text);
    },
    onError: fail,
  });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card title={t('webhooks.endpoints')}>
      {mayManage ? (
        <Form form={form} layout="inline" onFinish={(v) => create.mutate(v)} style={{ marginBottom: 12, rowGap: 8 }}>
          <Form.Item name="url" rules={[{ required: true, whitespace: true, message: t('webhooks.urlRequired') }]}>
            <Input data-testid="webhook-url" placeholder="https://example.com/canyu" style={{ width: 300 }} maxLength={2000} />
          </Form.Item>
          <Form.Item name="event_types">
            <Select data-testid="webhook-events" mode="tags" tokenSeparators={[',', ' ']} placeholder={t('webhooks.eventTypes')} style={{ width: 280 }} open={false} />
          </Form.Item>
          <Form.Item name="description">
            <Input placeholder={t('webhooks.description')} style={{ width: 200 }} maxLength={500} />
          </Form.Item>
          <Button data-testid="webhook-create" type="primary" htmlType="submit" loading={create.isPending}>
            {t('webhooks.add')}
          </Button>
        </Form>
      ) : null}
      <Table<Endpoint>
        data-testid="webhook-endpoints"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        columns={[
          { title: 'URL', dataIndex: 'url', render: (v: string, e) => <Space direction="vertical" size={0}><Typography.Text data-testid="webhook-endpoint-url">{v}</Typography.Text>{e.description ? <Typography.Text type="secondary">{e.description}</Typography.Text> : null}</Space> },
          { title: t('webhooks.eventTypes'), dataIndex: 'event_types', render: (v: string[]) => (v.length ? v.map((x) => <Tag key={x}>{x}</Tag>) : <Tag>{t('webhooks.allEvents')}</Tag>) },
          { title: t('webhooks.enabled'), dataIndex: 'enabled', render: (v: boolean, e) => <Switch data-testid="webhook-enabled" size="small" checked={v} disabled={!mayManage} onChange={(enabled) => toggle.mutate({ id: e.id, enabled })} /> },
          { title: t('webhooks.circuit'), dataIndex: 'state', render: (s: Endpoint['state'], e) => <Tag color={s === 'closed' ? 'green' : s === 'open' ? 'red' : 'orange'}>{t(CIRCUIT_LABEL[s])}{e.consecutive_failures ? ` · ${e.consecutive_failures}` : ''}</Tag> },
          { title: t('webhooks.secret'), dataIndex: 'secret_hint', render: (v: string) => <Typography.Text code>…{v}</Typography.Text> },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
          {
            title: t('common.actions'),
            render: (_, e) => (
              <Space size={4} wrap>
                <Button size="small" data-testid="webhook-deliveries" onClick={() => onDeliveries(e.id)}>
                  {t('webhooks.deliveries')}
                </Button>
                {mayManage ? (
                  <>
                    <Button size="small" data-testid="webhook-test" loading={test.isPending && test.variables === e.id} onClick={() => test.mutate(e.id)}>
                      {t('webhooks.test')}
                    </Button>
                    <Button size="small" data-testid="webhook-reveal" onClick={() => reveal.mutate(e.id)}>
                      {t('webhooks.reveal')}
                    </Button>
                    <Popconfirm title={t('webhooks.rotateConfirm')} onConfirm={() => rotate.mutate(e.id)}>
                      <Button size="small" data-testid="webhook-rotate">
                        {t('webhooks.rotate')}
                      </Button>
                    </Popconfirm>
                    <Popconfirm title={t('webhooks.deleteConfirm')} onConfirm={() => remove.mutate(e.id)}>
                      <Button size="small" danger data-testid="webhook-delete">
                        {t('webhooks.delete')}
                      </Button>
                    </Popconfirm>
                  </>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
    </Card>
  );
}

function DeliveryDetail({ id, mayManage, onClose }: { id: string; mayManage: boolean; onClose: () => void }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const d = useQuery({ queryKey: ['webhooks', 'delivery', id], queryFn: () => ok(api.GET('/v1/webhooks/deliveries/{deliveryId}', { params: { path: { deliveryId: id } } })) });
  const redeliver = useMutation({
    mutationFn: () => ok(api.POST('/v1/webhooks/deliveries/{deliveryId}/redeliver', { params: { path: { deliveryId: id } } })),
    onSuccess: () => {
      void message.success(t('webhooks.requeued'));
      void qc.invalidateQueries({ queryKey: ['webhooks'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  return (
    <Drawer open width={640} onClose={onClose} title={d.data ? d.data.event_type : t('webhooks.delivery')} extra={mayManage ? <Button data-testid="webhook-redeliver" loading={redeliver.isPending} onClick={() => redeliver.mutate()}>{t('webhooks.redeliver')}</Button> : null}>
      {d.isError ? <ErrorState error={d.error} retry={() => d.refetch()} /> : null}
      {d.data ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t('webhooks.statusLabel')}>
              <Tag data-testid="webhook-delivery-status" color={STATUS_COLOR[d.data.status]}>{t(STATUS_LABEL[d.data.status])}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('webhooks.eventId')}>{d.data.event_id}</Descriptions.Item>
            <Descriptions.Item label={t('webhooks.attempts')}>{`${d.data.attempts} / ${d.data.max_attempts}`}</Descriptions.Item>
            <Descriptions.Item label={t('common.created')}>{date(d.data.created_at)}</Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5}>{t('webhooks.payload')}</Typography.Title>
          <pre data-testid="webhook-payload" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', background: '#fafafa', padding: 12, maxHeight: 320, overflow: 'auto' }}>
            {JSON.stringify(d.data.payload, null, 2)}
          </pre>
          <Typography.Title level={5}>{t('webhooks.attemptLog')}</Typography.Title>
          <Table
            data-testid="webhook-attempts"
            rowKey="attempt"
            size="small"
            pagination={false}
            dataSource={d.data.attempt_log}
            columns={[
              { title: '#', dataIndex: 'attempt' },
              { title: t('webhooks.code'), dataIndex: 'status_code', render: (v: number | null) => v ?? '—' },
              { title: t('webhooks.answer'), render: (_, a) => <Typography.Text data-testid="webhook-answer">{a.error ?? a.response_body ?? '—'}</Typography.Text> },
              { title: 'ms', dataIndex: 'duration_ms' },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
            ]}
          />
        </Space>
      ) : null}
    </Drawer>
  );
}

function Deliveries({ appId, endpointId, setEndpointId, endpoints, mayManage }: { appId: string; endpointId: string | undefined; setEndpointId: (id: string | undefined) => void; endpoints: Endpoint[]; mayManage: boolean }) {
  const { t, date } = useI18n();
  const pager = useCursor();
  const [status, setStatus] = useState<DeliveryStatus | undefined>();
  const [open, setOpen] = useState<string | null>(null);
  const query = { limit: 25, ...(endpointId ? { endpoint_id: endpointId } : {}), ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['webhooks', 'deliveries', appId, query], queryFn: () => ok(api.GET('/v1/webhooks/deliveries', { params: { query } })) });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card title={t('webhooks.deliveries')}>
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          data-testid="delivery-endpoint"
          allowClear
          style={{ width: 300 }}
          placeholder={t('webhooks.allEndpoints')}
          value={endpointId}
          onChange={(v: string | undefined) => {
            setEndpointId(v);
            pager.reset();
          }}
          options={endpoints.map((e) => ({ value: e.id, label: e.url }))}
        />
        <Select<DeliveryStatus>
          data-testid="delivery-status"
          allowClear
          style={{ width: 160 }}
          placeholder={t('webhooks.allStatuses')}
          value={status}
          onChange={(v) => {
            setStatus(v);
            pager.reset();
          }}
          options={STATUSES.map((s) => ({ value: s, label: t(STATUS_LABEL[s]) }))}
        />
      </Space>
      <Table<Delivery>
        data-testid="webhook-delivery-log"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        onRow={(d) => ({ onClick: () => setOpen(d.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('webhooks.event'), dataIndex: 'event_type', render: (v: string) => <Typography.Text data-testid="delivery-event">{v}</Typography.Text> },
          { title: t('webhooks.statusLabel'), dataIndex: 'status', render: (s: DeliveryStatus) => <Tag color={STATUS_COLOR[s]}>{t(STATUS_LABEL[s])}</Tag> },
          { title: t('webhooks.attempts'), render: (_, d) => `${d.attempts} / ${d.max_attempts}` },
          { title: t('webhooks.code'), dataIndex: 'last_status_code', render: (v: number | null) => v ?? '—' },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      {open ? <DeliveryDetail id={open} mayManage={mayManage} onClose={() => setOpen(null)} /> : null}
    </Card>
  );
}

export default function Webhooks() {
  const { t } = useI18n();
  const { appId, role } = useCurrent();
  const [endpointId, setEndpointId] = useState<string | undefined>();
  const endpoints = useQuery({ queryKey: ['webhooks', 'endpoints', appId, 'all'], enabled: !!appId, queryFn: () => ok(api.GET('/v1/webhooks/endpoints', { params: { query: { limit: 100 } } })) });
  if (!appId) return null;
  const mayManage = can(role, 'webhooks.manage');
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('nav.webhooks')}
      </Typography.Title>
      <Endpoints appId={appId} mayManage={mayManage} onDeliveries={setEndpointId} />
      <Deliveries appId={appId} endpointId={endpointId} setEndpointId={setEndpointId} endpoints={endpoints.data?.data ?? []} mayManage={mayManage} />
    </Space>
  );
}

// API keys: list, create (secret shown once), rotate with a grace period, revoke; and the browser
// origins whose pages may call the API with the app's keys (CORS).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';

/** The app's allowed origins (PATCH /v1/apps/:appId allowed_origins), one per line; admins change them. */
function Origins({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const appQ = useQuery({ queryKey: ['app', appId], queryFn: () => ok(api.GET('/v1/apps/{appId}', { params: { path: { appId } } })) });
  const save = useMutation({
    mutationFn: (text: string) => ok(api.PATCH('/v1/apps/{appId}', { params: { path: { appId } }, body: { allowed_origins: [...new Set(text.split('\n').map((o) => o.trim()).filter(Boolean))] } })),
    onSuccess: () => {
      void message.success(t('keys.originsSaved'));
      void qc.invalidateQueries({ queryKey: ['app', appId] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  if (appQ.isError) return <ErrorState error={appQ.error} retry={() => appQ.refetch()} />;
  return (
    <Card title={t('keys.origins')} loading={appQ.isPending} style={{ marginTop: 24 }}>
      <Typography.Paragraph type="secondary">{t('keys.originsHelp')}</Typography.Paragraph>
      {appQ.data ? (
        <Form key={appQ.data.allowed_origins.join('\n')} initialValues={{ origins: appQ.data.allowed_origins.join('\n') }} onFinish={(v: { origins?: string }) => save.mutate(v.origins ?? '')} disabled={!mayManage}>
          <Form.Item name="origins">
            <Input.TextArea data-testid="origins" rows={4} placeholder="https://shop.example.com" style={{ maxWidth: 520 }} />
          </Form.Item>
          {mayManage ? (
            <Button data-testid="origins-save" type="primary" htmlType="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
          ) : null}
        </Form>
      ) : null}
    </Card>
  );
}

export default function ApiKeys() {
  const { t, date } = useI18n();
  const { appId, role } = useCurrent();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const manage = can(role, 'keys.manage');
  const keys = useQuery({ queryKey: ['keys', appId], queryFn: () => ok(api.GET('/v1/apps/{appId}/keys', { params: { path: { appId: appId! } } })) });
  const [creating, setCreating] = useState(false);
  const [rotating, setRotating] = useState<Schemas['ApiKey'] | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: ['keys', appId] });

  const create = useMutation({
    mutationFn: (v: { kind: 'secret' | 'publishable'; name?: string }) => ok(api.POST('/v1/apps/{appId}/keys', { params: { path: { appId: appId! } }, body: v })),
    onSuccess: (r) => {
      setCreating(false);
      setSecret(r.plaintext);
      refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });
  const rotate = useMutation({
    mutationFn: (v: { keyId: string; grace: number }) => ok(api.POST('/v1/apps/{appId}/keys/{keyId}/rotate', { params: { path: { appId: appId!, keyId: v.keyId } }, body: { grace_seconds: v.grace } })),
    onSuccess: (r) => {
      setRotating(null);
      setSecret(r.plaintext);
      refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) => ok(api.POST('/v1/apps/{appId}/keys/{keyId}/revoke', { params: { path: { appId: appId!, keyId } } })),
    onSuccess: () => {
      message.success(t('keys.revoked'));
      refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });

  return (
    <div>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3}>{t('nav.keys')}</Typography.Title>
        {manage && (
          <Button type="primary" onClick={() => setCreating(true)} data-testid="key-create">
            {t('keys.create')}
          </Button>
        )}
      </Space>
      {keys.isError ? (
        <ErrorState error={keys.error} retry={() => keys.refetch()} />
      ) : (
        <Table<Schemas['ApiKey']>
          rowKey="id"
          loading={keys.isPending}
          dataSource={keys.data?.data ?? []}
          locale={{ emptyText: t('keys.empty') }}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: t('keys.name'), dataIndex: 'name' },
            { title: t('keys.kind'), dataIndex: 'kind', render: (k: string) => <Tag color={k === 'secret' ? 'red' : 'blue'}>{k === 'secret' ? t('keys.secret') : t('keys.publishable')}</Tag> },
            { title: t('keys.hint'), dataIndex: 'hint', render: (h: string) => <Typography.Text code>{h}</Typography.Text> },
            { title: t('common.created'), dataIndex: 'created_at', render: (d: string) => date(d) },
            { title: t('keys.status'), dataIndex: 'revoked_at', render: (r: string | null) => (r ? <Tag>{t('keys.revokedAt', { at: date(r) })}</Tag> : <Tag color="green">{t('keys.active')}</Tag>) },
            ...(manage
              ? [
                  {
                    title: t('common.actions'),
                    key: 'actions',
                    render: (_: unknown, k: Schemas['ApiKey']) =>
                      k.revoked_at ? null : (
                        <Space>
                          <Button size="small" onClick={() => setRotating(k)}>
                            {t('keys.rotate')}
                          </Button>
                          <Popconfirm title={t('keys.revokeConfirm')} onConfirm={() => revoke.mutate(k.id)} okText={t('common.ok')} cancelText={t('common.cancel')}>
                            <Button size="small" danger>
                              {t('keys.revoke')}
                            </Button>
                          </Popconfirm>
                        </Space>
                      ),
                  },
                ]
              : []),
          ]}
        />
      )}
      <Modal open={creating} title={t('keys.create')} onCancel={() => setCreating(false)} footer={null} destroyOnHidden>
        <Form layout="vertical" initialValues={{ kind: 'secret' }} onFinish={(v) => create.mutate(v)}>
          <Form.Item name="kind" label={t('keys.kind')}>
            <Select options={[{ value: 'secret', label: t('keys.secret') }, { value: 'publishable', label: t('keys.publishable') }]} />
          </Form.Item>
          <Form.Item name="name" label={t('keys.name')}>
            <Input maxLength={100} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('common.create')}
          </Button>
        </Form>
      </Modal>
      <Modal open={!!rotating} title={t('keys.rotate')} onCancel={() => setRotating(null)} footer={null} destroyOnHidden>
        <Form layout="vertical" initialValues={{ grace: 3600 }} onFinish={(v: { grace: number }) => rotating && rotate.mutate({ keyId: rotating.id, grace: v.grace })}>
          <Typography.Paragraph>{t('keys.rotateHint')}</Typography.Paragraph>
          <Form.Item name="grace" label={t('keys.grace')}>
            <InputNumber min={0} max={604800} style={{ width: '100%' }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={rotate.isPending}>
            {t('keys.rotate')}
          </Button>
        </Form>
      </Modal>
      <Modal open={!!secret} title={t('keys.secretOnce')} onCancel={() => setSecret(null)} onOk={() => setSecret(null)} cancelButtonProps={{ style: { display: 'none' } }} okText={t('keys.saved')}>
        <Typography.Paragraph type="warning">{t('keys.secretOnceHint')}</Typography.Paragraph>
        <Typography.Paragraph copyable code data-testid="key-plaintext">
          {secret}
        </Typography.Paragraph>
      </Modal>
      {appId ? <Origins appId={appId} mayManage={can(role, 'app.manage')} /> : null}
    </div>
  );
}

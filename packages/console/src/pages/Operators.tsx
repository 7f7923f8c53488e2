// Operators of the app and their roles: list, add (or change a role), remove.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can, ROLES, type Role } from '../lib/roles.ts';

export default function Operators() {
  const { t, date } = useI18n();
  const { appId, role, me } = useCurrent();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const manage = can(role, 'members.manage');
  const members = useQuery({ queryKey: ['members', appId], queryFn: () => ok(api.GET('/v1/apps/{appId}/members', { params: { path: { appId: appId! } } })) });
  const [adding, setAdding] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: ['members', appId] });
  const add = useMutation({
    mutationFn: (v: { email: string; role: Role; name?: string; password?: string }) => ok(api.POST('/v1/apps/{appId}/members', { params: { path: { appId: appId! } }, body: { ...v, ...(v.password ? {} : { password: undefined }) } })),
    onSuccess: () => {
      setAdding(false);
      message.success(t('operators.saved'));
      refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });
  const remove = useMutation({
    mutationFn: (operatorId: string) => ok(api.DELETE('/v1/apps/{appId}/members/{operatorId}', { params: { path: { appId: appId!, operatorId } } })),
    onSuccess: () => refresh(),
    onError: (e) => message.error(errorText(e)),
  });
  const roleLabel = (r: string) => t(`role.${r}` as 'role.owner');
  return (
    <div>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3}>{t('nav.operators')}</Typography.Title>
        {manage && (
          <Button type="primary" onClick={() => setAdding(true)} data-testid="operator-add">
            {t('operators.add')}
          </Button>
        )}
      </Space>
      {members.isError ? (
        <ErrorState error={members.error} retry={() => members.refetch()} />
      ) : (
        <Table<Schemas['Member']>
          rowKey="operator_id"
          loading={members.isPending}
          dataSource={members.data?.data ?? []}
          locale={{ emptyText: t('operators.empty') }}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: t('operators.name'), dataIndex: 'name', render: (n: string) => <span data-testid="member-name">{n || '—'}</span> },
            { title: t('signIn.email'), dataIndex: 'email' },
            { title: t('operators.role'), dataIndex: 'role', render: (r: string) => <Tag>{roleLabel(r)}</Tag> },
            { title: t('common.created'), dataIndex: 'created_at', render: (d: string) => date(d) },
            ...(manage
              ? [
                  {
                    title: t('common.actions'),
                    key: 'actions',
                    render: (_: unknown, m: Schemas['Member']) =>
                      m.operator_id === me.operator.id ? null : (
                        <Popconfirm title={t('operators.removeConfirm')} onConfirm={() => remove.mutate(m.operator_id)} okText={t('common.ok')} cancelText={t('common.cancel')}>
                          <Button size="small" danger>
                            {t('operators.remove')}
                          </Button>
                        </Popconfirm>
                      ),
                  },
                ]
              : []),
          ]}
        />
      )}
      <Modal open={adding} title={t('operators.add')} onCancel={() => setAdding(false)} footer={null} destroyOnHidden>
        <Typography.Paragraph type="secondary">{t('operators.addHint')}</Typography.Paragraph>
        <Form layout="vertical" initialValues={{ role: 'operator' }} onFinish={(v) => add.mutate(v)}>
          <Form.Item name="email" label={t('signIn.email')} rules={[{ required: true, type: 'email', message: t('signIn.emailRequired') }]}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t('operators.role')}>
            <Select options={ROLES.filter((r) => role === 'owner' || r !== 'owner').map((r) => ({ value: r, label: roleLabel(r) }))} />
          </Form.Item>
          <Form.Item name="name" label={t('operators.name')}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="password" label={t('operators.password')}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={add.isPending}>
            {t('common.save')}
          </Button>
        </Form>
      </Modal>
    </div>
  );
}

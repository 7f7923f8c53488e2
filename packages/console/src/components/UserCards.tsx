// The user profile's read-only cards (messages, coupons, level and badges, events timeline) and the
// erase action. Every user-written text is rendered as text: the API HTML-escapes it, the console
// un-escapes it (unescapeHtml) and React escapes it again.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Descriptions, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { unescapeHtml } from '../../../server/src/lib/text.ts';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { CursorPager, useCursor } from './Cursor.tsx';
import { ErrorState, errorText } from './states.tsx';

/** The user's inbox: their messages and the announcements they see, newest first. */
export function MessagesCard({ userId }: { userId: string }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const query = { limit: 10, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const inbox = useQuery({ queryKey: ['user.inbox', appId, userId, query], queryFn: () => ok(api.GET('/v1/users/{userId}/inbox', { params: { path: { userId }, query } })) });
  return (
    <Card title={t('users.messages')}>
      {inbox.isError ? (
        <ErrorState error={inbox.error} retry={() => inbox.refetch()} />
      ) : (
        <>
          <Table<Schemas['InboxItem']>
            data-testid="user-messages"
            rowKey="id"
            size="small"
            loading={inbox.isPending}
            dataSource={inbox.data?.data ?? []}
            pagination={false}
            locale={{ emptyText: t('users.noMessages') }}
            columns={[
              { title: t('users.messageTitle'), dataIndex: 'title', render: (s: string) => <span data-testid="user-message-title">{unescapeHtml(s)}</span> },
              { title: t('users.messageKind'), dataIndex: 'kind', render: (k: string) => <Tag>{k === 'announcement' ? t('users.kindAnnouncement') : t('users.kindMessage')}</Tag> },
              {
                title: t('users.readState'),
                dataIndex: 'read_at',
                render: (r: string | null) => (
                  <Tag color={r ? 'default' : 'blue'} data-testid="user-message-read">
                    {r ? t('users.read') : t('users.unread')}
                  </Tag>
                ),
              },
              { title: t('audit.time'), dataIndex: 'created_at', render: (d: string) => date(d) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={inbox.data?.next_cursor} />
        </>
      )}
    </Card>
  );
}

/** The user's coupons with their template's name, status and expiry. */
export function CouponsCard({ userId }: { userId: string }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const query = { limit: 10, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const coupons = useQuery({ queryKey: ['user.coupons', appId, userId, query], queryFn: () => ok(api.GET('/v1/users/{userId}/coupons', { params: { path: { userId }, query } })) });
  const templates = useQuery({ queryKey: ['couponTemplates.all', appId], queryFn: () => ok(api.GET('/v1/coupon-templates', { params: { query: { limit: 200 } } })) });
  const names = new Map((templates.data?.data ?? []).map((x) => [x.id, unescapeHtml(x.name)]));
  return (
    <Card title={t('users.coupons')}>
      {coupons.isError ? (
        <ErrorState error={coupons.error} retry={() => coupons.refetch()} />
      ) : (
        <>
          <Table<Schemas['Coupon']>
            data-testid="user-coupons"
            rowKey="id"
            size="small"
            loading={coupons.isPending}
            dataSource={coupons.data?.data ?? []}
            pagination={false}
            locale={{ emptyText: t('coupons.noCoupons') }}
            columns={[
              { title: t('coupons.template'), dataIndex: 'template_id', render: (id: string) => <span data-testid="user-coupon-template">{names.get(id) ?? id}</span> },
              { title: t('coupons.statusLabel'), dataIndex: 'status', render: (s: Schemas['Coupon']['status']) => <Tag data-testid="user-coupon-status">{t(`coupons.status.${s}`)}</Tag> },
              { title: t('coupons.validUntil'), dataIndex: 'valid_until', render: (d: string | null) => (d ? date(d) : t('users.noExpiry')) },
              { title: t('common.created'), dataIndex: 'created_at', render: (d: string) => date(d) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={coupons.data?.next_cursor} />
        </>
      )}
    </Card>
  );
}

/** The user's level (growth, the next level) and their badge wall. */
export function LevelBadgesCard({ userId }: { userId: string }) {
  const { t, date, num } = useI18n();
  const { appId } = useCurrent();
  const level = useQuery({ queryKey: ['user.level', appId, userId], queryFn: () => ok(api.GET('/v1/users/{userId}/level', { params: { path: { userId } } })) });
  const badges = useQuery({ queryKey: ['user.badges', appId, userId], queryFn: () => ok(api.GET('/v1/users/{userId}/badges', { params: { path: { userId } } })) });
  const l = level.data;
  const earned = (badges.data?.data ?? []).filter((b) => b.earned);
  return (
    <Card title={t('users.levelBadges')} loading={level.isPending || badges.isPending}>
      <Space direction="vertical" style={{ width: '100%' }}>
        {level.isError ? (
          <ErrorState error={level.error} retry={() => level.refetch()} />
        ) : (
          l && (
            <Descriptions column={{ xs: 1, md: 3 }} size="small">
              <Descriptions.Item label={t('users.level')}>
                <span data-testid="user-level">{l.name ? `Lv ${l.level} · ${unescapeHtml(l.name)}` : `Lv ${l.level}`}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('users.growth')}>{num(l.growth)}</Descriptions.Item>
              <Descriptions.Item label={t('users.nextLevel')}>{l.next ? t('users.nextLevelIn', { level: l.next.level, name: unescapeHtml(l.next.name), remaining: num(l.next.remaining) }) : '—'}</Descriptions.Item>
            </Descriptions>
          )
        )}
        {badges.isError ? (
          <ErrorState error={badges.error} retry={() => badges.refetch()} />
        ) : (
          <div data-testid="user-badges">
            {earned.length === 0 ? (
              <Typography.Text type="secondary">{t('users.noBadges')}</Typography.Text>
            ) : (
              <Space wrap>
                {earned.map((b) => (
                  <Tag key={b.badge.id} color="gold" title={date(b.awarded_at)} data-testid="user-badge">
                    {unescapeHtml(b.badge.name)}
                  </Tag>
                ))}
              </Space>
            )}
          </div>
        )}
      </Space>
    </Card>
  );
}

/** The user's stored events, newest first, their properties as JSON text. */
export function EventsCard({ userId }: { userId: string }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const query = { limit: 20, user_id: userId, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const events = useQuery({ queryKey: ['user.events', appId, userId, query], queryFn: () => ok(api.GET('/v1/events', { params: { query } })) });
  return (
    <Card title={t('users.events')}>
      {events.isError ? (
        <ErrorState error={events.error} retry={() => events.refetch()} />
      ) : (
        <>
          <Table<Schemas['Event']>
            data-testid="user-events"
            rowKey="event_id"
            size="small"
            loading={events.isPending}
            dataSource={events.data?.data ?? []}
            pagination={false}
            locale={{ emptyText: t('users.noEvents') }}
            columns={[
              { title: t('audit.time'), dataIndex: 'timestamp', render: (d: string) => date(d) },
              { title: t('users.eventName'), dataIndex: 'name', render: (n: string) => <Typography.Text code data-testid="user-event-name">{unescapeHtml(n)}</Typography.Text> },
              {
                title: t('users.eventProperties'),
                dataIndex: 'properties',
                render: (p: Record<string, unknown>) => (
                  <Typography.Text data-testid="user-event-properties" style={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
                    {Object.keys(p ?? {}).length === 0 ? '—' : unescapeHtml(JSON.stringify(p))}
                  </Typography.Text>
                ),
              },
            ]}
          />
          <CursorPager pager={pager} nextCursor={events.data?.next_cursor} />
        </>
      )}
    </Card>
  );
}

/** Erase the user: asks for the user id typed back, then DELETE and back to the users list. */
export function EraseUser({ userId }: { userId: string }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const { appId } = useCurrent();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const erase = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/users/{userId}', { params: { path: { userId } } })),
    onSuccess: () => {
      setOpen(false);
      message.success(t('users.erased', { id: userId }));
      qc.removeQueries({ queryKey: ['user', appId, userId] });
      void qc.invalidateQueries({ queryKey: ['users', appId] });
      navigate('/users');
    },
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <>
      <Button
        danger
        type="primary"
        data-testid="erase-user"
        onClick={() => {
          setTyped('');
          setOpen(true);
        }}
      >
        {t('users.erase')}
      </Button>
      <Modal
        open={open}
        title={t('users.erase')}
        onCancel={() => setOpen(false)}
        okText={t('users.eraseConfirm')}
        okButtonProps={{ danger: true, disabled: typed !== userId, loading: erase.isPending }}
        onOk={() => erase.mutate()}
        destroyOnHidden
      >
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Paragraph type="danger">{t('users.eraseWarning')}</Typography.Paragraph>
          <Typography.Text>{t('users.eraseTypeId', { id: userId })}</Typography.Text>
          <Input value={typed} onChange={(e) => setTyped(e.target.value)} data-testid="erase-typed" autoComplete="off" />
        </Space>
      </Modal>
    </>
  );
}

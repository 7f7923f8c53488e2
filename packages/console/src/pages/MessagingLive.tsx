// Live rooms (直播间) monitor: rooms by status; the selected room's online viewers (across
// servers), likes and messages, kept fresh every two seconds, with its chat (弹幕) newest first;
// open a room, close one. Needs live.moderate (owner, admin, operator, moderator). Chat is user
// content: the API HTML-escapes it, and it is shown as text after undoing that escaping.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Form, Input, List, Popconfirm, Row, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { unescapeHtml } from '../../../server/src/lib/text.ts';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';

type Room = Schemas['LiveRoom'];
const REFRESH_MS = 2000;

function RoomMonitor({ appId, room, onClosed }: { appId: string; room: Room; onClosed: () => void }) {
  const { t, num, date } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const live = room.status === 'open';
  const one = useQuery({ queryKey: ['live', 'room', appId, room.id], queryFn: () => ok(api.GET('/v1/live/rooms/{roomId}', { params: { path: { roomId: room.id } } })), refetchInterval: live ? REFRESH_MS : false });
  const chat = useQuery({ queryKey: ['live', 'chat', appId, room.id], queryFn: () => ok(api.GET('/v1/live/rooms/{roomId}/messages', { params: { path: { roomId: room.id }, query: { limit: 50 } } })), refetchInterval: live ? REFRESH_MS : false });
  const close = useMutation({
    mutationFn: () => ok(api.POST('/v1/live/rooms/{roomId}/close', { params: { path: { roomId: room.id } } })),
    onSuccess: () => (void qc.invalidateQueries({ queryKey: ['live'] }), onClosed()),
    onError: (e) => void message.error(errorText(e)),
  });
  const r = one.data ?? room;
  return (
    <Card
      style={{ marginTop: 16 }}
      title={<span data-testid="live-room-title">{unescapeHtml(r.title)}</span>}
      extra={
        r.status === 'open' ? (
          <Popconfirm title={t('live.closeConfirm')} onConfirm={() => close.mutate()}>
            <Button danger size="small" data-testid="live-close" loading={close.isPending}>
              {t('live.close')}
            </Button>
          </Popconfirm>
        ) : (
          <Tag>{t('live.closed')}</Tag>
        )
      }
    >
      {one.isError ? (
        <ErrorState error={one.error} retry={() => one.refetch()} />
      ) : (
        <Row gutter={16}>
          <Col span={6}>
            <Statistic title={t('live.online')} value={num(r.online)} valueRender={(v) => <span data-testid="live-online">{v}</span>} />
          </Col>
          <Col span={6}>
            <Statistic title={t('live.likes')} value={num(r.likes)} valueRender={(v) => <span data-testid="live-likes">{v}</span>} />
          </Col>
          <Col span={6}>
            <Statistic title={t('live.messages')} value={num(r.messages)} valueRender={(v) => <span data-testid="live-messages">{v}</span>} />
          </Col>
          <Col span={6}>
            <Statistic title={t('live.rate')} value={t('live.rateValue', { max: r.chat.max, s: r.chat.window_seconds })} />
          </Col>
        </Row>
      )}
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('live.chat')}
      </Typography.Title>
      {chat.isError ? (
        <ErrorState error={chat.error} retry={() => chat.refetch()} />
      ) : (
        <List
          data-testid="live-chat"
          size="small"
          loading={chat.isPending}
          locale={{ emptyText: t('live.noChat') }}
          dataSource={chat.data?.data ?? []}
          renderItem={(m) => (
            <List.Item>
              <Space>
                <Typography.Text type="secondary">{date(m.created_at)}</Typography.Text>
                <Typography.Text strong>{m.user_id}</Typography.Text>
                <span data-testid="live-chat-text">{unescapeHtml(m.text)}</span>
                {m.masked ? <Tag>{t('live.masked')}</Tag> : null}
              </Space>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}

export function LiveRooms({ appId }: { appId: string }) {
  const { t, num, date } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pager = useCursor();
  const [status, setStatus] = useState<'open' | 'closed' | undefined>('open');
  const [selected, setSelected] = useState<string | null>(null);
  const [form] = Form.useForm<{ title: string }>();
  const query = { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const rooms = useQuery({ queryKey: ['live', 'rooms', appId, query], queryFn: () => ok(api.GET('/v1/live/rooms', { params: { query } })), refetchInterval: REFRESH_MS * 2 });
  const open = useMutation({
    mutationFn: (v: { title: string }) => ok(api.POST('/v1/live/rooms', { body: { title: v.title } as never })),
    onSuccess: (r) => (form.resetFields(), setSelected(r.id), void qc.invalidateQueries({ queryKey: ['live'] })),
    onError: (e) => void message.error(errorText(e)),
  });
  const room = rooms.data?.data.find((r) => r.id === selected) ?? null;
  return (
    <div>
      <Card
        title={t('live.rooms')}
        extra={
          <Select allowClear style={{ width: 140 }} data-testid="live-status" placeholder={t('live.status')} value={status} onChange={(v) => (setStatus(v), pager.reset())} options={[{ value: 'open', label: t('live.open') }, { value: 'closed', label: t('live.closed') }]} />
        }
      >
        <Form form={form} layout="inline" onFinish={(v) => open.mutate(v)} style={{ marginBottom: 12 }}>
          <Form.Item name="title" rules={[{ required: true, whitespace: true, message: t('live.titleRequired') }]}>
            <Input data-testid="live-new-title" placeholder={t('live.newTitle')} maxLength={200} style={{ width: 280 }} />
          </Form.Item>
          <Button htmlType="submit" type="primary" data-testid="live-new" loading={open.isPending}>
            {t('live.openRoom')}
          </Button>
        </Form>
        {rooms.isError ? (
          <ErrorState error={rooms.error} retry={() => rooms.refetch()} />
        ) : (
          <>
            <Table<Room>
              data-testid="live-rooms"
              rowKey="id"
              size="small"
              loading={rooms.isPending}
              pagination={false}
              locale={{ emptyText: t('live.noRooms') }}
              dataSource={rooms.data?.data ?? []}
              onRow={(r) => ({ onClick: () => setSelected(r.id), style: { cursor: 'pointer' } })}
              columns={[
                { title: t('live.title'), dataIndex: 'title', render: (x: string) => <span data-testid="live-row-title">{unescapeHtml(x)}</span> },
                { title: t('live.status'), dataIndex: 'status', render: (s: Room['status']) => <Tag color={s === 'open' ? 'processing' : 'default'}>{t(s === 'open' ? 'live.open' : 'live.closed')}</Tag> },
                { title: t('live.online'), dataIndex: 'online', render: (n: number) => num(n) },
                { title: t('live.likes'), dataIndex: 'likes', render: (n: number) => num(n) },
                { title: t('live.messages'), dataIndex: 'messages', render: (n: number) => num(n) },
                { title: t('live.opened'), dataIndex: 'created_at', render: (d: string) => date(d) },
              ]}
            />
            <CursorPager pager={pager} nextCursor={rooms.data?.next_cursor} />
          </>
        )}
      </Card>
      {room && <RoomMonitor key={room.id} appId={appId} room={room} onClosed={() => setStatus(undefined)} />}
    </div>
  );
}

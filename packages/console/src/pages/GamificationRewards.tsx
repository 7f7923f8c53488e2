// Gamification, rewards: lotteries (created with their prize table, published odds shown as the
// users see them, paused/resumed/ended), the points mall (items; orders shipped, completed or
// cancelled) and abuse review (flags dismissed or blocked, blocks lifted). A prize is edited from
// the odds drawer (name, weight, stock left, value, sort), which then shows the new odds.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { showFieldErrors } from '../components/fieldErrors.ts';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { usePointTypes } from './GamificationPoints.tsx';

type Lottery = Schemas['Lottery'];
type LotteryStatus = Lottery['status'];
const LOTTERY_STATUS: Record<LotteryStatus, MessageKey> = { active: 'gm.lstatus.active', paused: 'gm.lstatus.paused', ended: 'gm.lstatus.ended' };
type PrizeKind = 'points' | 'item' | 'none';
const PRIZE_KIND: Record<PrizeKind, MessageKey> = { points: 'gm.prize.points', item: 'gm.prize.item', none: 'gm.prize.none' };
type PrizeRow = { name: string; kind: PrizeKind; reward_type?: string; reward_amount?: number | null; weight: number; stock?: number | null };
type LotteryForm = { name: string; description?: string; cost_type?: string; cost?: number; daily_limit?: number | null; budget?: number | null; prizes: PrizeRow[] };

type Prize = Schemas['LotteryPrize'];
type PrizeEditForm = { name: string; weight: number; stock?: number | null; value?: number; sort?: number };

function PrizeEdit({ lotteryId, prize, onClose }: { lotteryId: string; prize: Prize; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<PrizeEditForm>();
  const save = useMutation({
    mutationFn: (v: PrizeEditForm) =>
      ok(api.PATCH('/v1/lotteries/{id}/prizes/{prizeId}', { params: { path: { id: lotteryId, prizeId: prize.id } }, body: { name: v.name.trim(), weight: v.weight ?? 0, stock: v.stock ?? null, value: v.value ?? 0, sort: v.sort ?? 0 } })),
    onSuccess: () => {
      void message.success(t('gm.saved'));
      void qc.invalidateQueries({ queryKey: ['gm', 'odds', lotteryId] });
      void qc.invalidateQueries({ queryKey: ['gm', 'lottery', lotteryId] });
      onClose();
    },
    onError: (e) => void message.error(showFieldErrors(form, e)),
  });
  return (
    <Modal open title={t('gm.prizeEdit')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'gm-prize-edit-save' }}>
      <Form form={form} layout="vertical" initialValues={{ name: prize.name, weight: prize.weight, stock: prize.stock, value: prize.value, sort: prize.sort }} onFinish={(v) => save.mutate(v)}>
        <Form.Item name="name" label={t('gm.prizeName')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
          <Input data-testid="gm-prize-edit-name" maxLength={100} />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item label={t('gm.prizeKind')} extra={t('gm.fixedAfterCreate')}>
            <Input disabled style={{ width: 160 }} value={`${t(PRIZE_KIND[prize.kind])}${prize.kind === 'points' && prize.reward_amount ? ` +${prize.reward_amount} ${prize.reward_type ?? ''}` : ''}`} />
          </Form.Item>
          <Form.Item name="weight" label={t('gm.weight')} rules={[{ required: true, message: t('gm.required') }]}>
            <InputNumber data-testid="gm-prize-edit-weight" min={0} precision={0} />
          </Form.Item>
          <Form.Item name="stock" label={t('gm.stockUnlimited')}>
            <InputNumber min={0} precision={0} placeholder={t('gm.unlimited')} />
          </Form.Item>
          <Form.Item name="value" label={t('gm.prizeValue')}>
            <InputNumber min={0} precision={0} />
          </Form.Item>
          <Form.Item name="sort" label={t('gm.sort')}>
            <InputNumber precision={0} />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

function Odds({ id, mayManage, onClose }: { id: string; mayManage: boolean; onClose: () => void }) {
  const { t, locale } = useI18n();
  const odds = useQuery({ queryKey: ['gm', 'odds', id], queryFn: () => ok(api.GET('/v1/lotteries/{id}/odds', { params: { path: { id }, query: {} } })) });
  // The full prizes (value, sort) for the edit form.
  const lottery = useQuery({ queryKey: ['gm', 'lottery', id], enabled: mayManage, queryFn: () => ok(api.GET('/v1/lotteries/{id}', { params: { path: { id } } })) });
  const [editing, setEditing] = useState<Prize | null>(null);
  return (
    <Drawer open width={560} onClose={onClose} title={t('gm.odds')}>
      {odds.isError ? <ErrorState error={odds.error} retry={() => odds.refetch()} /> : null}
      {odds.data ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Table
            data-testid="gm-odds"
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={odds.data.prizes}
            columns={[
              { title: t('gm.prizeName'), dataIndex: 'name', render: (v: string) => <Typography.Text data-testid="gm-odds-name">{v}</Typography.Text> },
              { title: t('gm.prizeKind'), dataIndex: 'kind', render: (v: PrizeKind) => <Tag>{t(PRIZE_KIND[v])}</Tag> },
              { title: t('gm.weight'), dataIndex: 'weight' },
              { title: t('gm.probability'), dataIndex: 'percent', render: (v: string) => <Typography.Text data-testid="gm-odds-percent" strong>{v}</Typography.Text> },
              { title: t('gm.stock'), dataIndex: 'stock', render: (v: number | null, p) => (p.out_of_stock ? <Tag color="red">{t('gm.outOfStock')}</Tag> : v ?? t('gm.unlimited')) },
              ...(mayManage
                ? [
                    {
                      title: t('common.actions'),
                      key: 'actions',
                      render: (_: unknown, p: { id: string }) => {
                        const full = lottery.data?.prizes.find((x) => x.id === p.id);
                        return (
                          <Button size="small" data-testid="gm-prize-edit" disabled={!full} onClick={() => full && setEditing(full)}>
                            {t('gm.edit')}
                          </Button>
                        );
                      },
                    },
                  ]
                : []),
            ]}
          />
          <Typography.Paragraph type="secondary">{locale === 'zh-CN' ? odds.data.note.zh : odds.data.note.en}</Typography.Paragraph>
        </Space>
      ) : null}
      {mayManage && editing ? <PrizeEdit lotteryId={id} prize={editing} onClose={() => setEditing(null)} /> : null}
    </Drawer>
  );
}

export function Lotteries({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, num, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'lotteries', appId, query], queryFn: () => ok(api.GET('/v1/lotteries', { params: { query } })) });
  const types = usePointTypes(appId);
  const [creating, setCreating] = useState(false);
  const [odds, setOdds] = useState<string | null>(null);
  const [form] = Form.useForm<LotteryForm>();
  const prizes = Form.useWatch('prizes', form) ?? [];
  const totalWeight = prizes.reduce((s, p) => s + (Number(p?.weight) || 0), 0);
  const refresh = () => void qc.invalidateQueries({ queryKey: ['gm', 'lotteries'] });
  const create = useMutation({
    mutationFn: (v: LotteryForm) =>
      ok(
        api.POST('/v1/lotteries', {
          body: {
            name: v.name,
            description: v.description || null,
            cost_type: v.cost ? v.cost_type || null : null,
            cost: v.cost ?? 0,
            daily_limit: v.daily_limit ?? null,
            budget: v.budget ?? null,
            prizes: v.prizes.map((p) => ({ name: p.name, kind: p.kind, weight: p.weight ?? 0, stock: p.stock ?? null, ...(p.kind === 'points' ? { reward_type: p.reward_type, reward_amount: p.reward_amount } : {}) })),
          },
        }),
      ),
    onSuccess: (r) => {
      setCreating(false);
      form.resetFields();
      void message.success(t('gm.saved'));
      refresh();
      setOdds(r.id);
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const setStatus = useMutation({ mutationFn: (x: { id: string; status: LotteryStatus }) => ok(api.PATCH('/v1/lotteries/{id}', { params: { path: { id: x.id } }, body: { status: x.status } })), onSuccess: refresh, onError: (e) => void message.error(errorText(e)) });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('gm.lotteries')}
      extra={
        mayManage ? (
          <Button data-testid="gm-lottery-new" type="primary" onClick={() => setCreating(true)}>
            {t('gm.lotteryNew')}
          </Button>
        ) : null
      }
    >
      <Table<Lottery>
        data-testid="gm-lotteries"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('gm.lotteriesEmpty') }}
        columns={[
          { title: t('gm.name'), dataIndex: 'name', render: (v: string) => <Typography.Text data-testid="gm-lottery-name">{v}</Typography.Text> },
          { title: t('gm.status'), dataIndex: 'status', render: (v: LotteryStatus) => <Tag color={v === 'active' ? 'green' : v === 'paused' ? 'orange' : 'default'}>{t(LOTTERY_STATUS[v])}</Tag> },
          { title: t('gm.cost'), render: (_, l) => (l.cost ? `${num(l.cost)} ${l.cost_type ?? ''}` : t('gm.free')) },
          { title: t('gm.dailyLimit'), dataIndex: 'daily_limit', render: (v: number | null) => v ?? t('gm.unlimited') },
          { title: t('gm.budget'), render: (_, l) => (l.budget === null ? t('gm.unlimited') : `${num(l.budget_used)} / ${num(l.budget)}`) },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
          {
            title: t('common.actions'),
            render: (_, l) => (
              <Space size={4} wrap>
                <Button size="small" data-testid="gm-lottery-odds" onClick={() => setOdds(l.id)}>
                  {t('gm.odds')}
                </Button>
                {mayManage && l.status === 'active' ? (
                  <Button size="small" onClick={() => setStatus.mutate({ id: l.id, status: 'paused' })}>
                    {t('gm.pause')}
                  </Button>
                ) : null}
                {mayManage && l.status === 'paused' ? (
                  <Button size="small" onClick={() => setStatus.mutate({ id: l.id, status: 'active' })}>
                    {t('gm.resume')}
                  </Button>
                ) : null}
                {mayManage && l.status !== 'ended' ? (
                  <Popconfirm title={t('gm.endConfirm')} onConfirm={() => setStatus.mutate({ id: l.id, status: 'ended' })}>
                    <Button size="small" danger>
                      {t('gm.end')}
                    </Button>
                  </Popconfirm>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      {odds ? <Odds id={odds} mayManage={mayManage} onClose={() => setOdds(null)} /> : null}
      {mayManage ? (
      <Modal open={creating} width={900} title={t('gm.lotteryNew')} onCancel={() => setCreating(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, 'data-testid': 'gm-lottery-save' }} forceRender>
        <Form form={form} layout="vertical" initialValues={{ cost: 0, prizes: [{ name: '', kind: 'points', weight: 10 }, { name: '', kind: 'none', weight: 90 }] }} onFinish={(v) => create.mutate(v)}>
          <Space wrap align="start">
            <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
              <Input data-testid="gm-lottery-name-input" style={{ width: 240 }} maxLength={200} />
            </Form.Item>
            <Form.Item name="cost" label={t('gm.cost')}>
              <InputNumber min={0} precision={0} />
            </Form.Item>
            <Form.Item name="cost_type" label={t('gm.costType')}>
              <Select allowClear style={{ width: 130 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: p.key }))} />
            </Form.Item>
            <Form.Item name="daily_limit" label={t('gm.dailyLimit')}>
              <InputNumber min={1} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
            <Form.Item name="budget" label={t('gm.budget')}>
              <InputNumber min={0} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
          </Space>
          <Form.Item name="description" label={t('gm.description')}>
            <Input maxLength={2000} />
          </Form.Item>
          <Typography.Title level={5}>{t('gm.prizeTable')}</Typography.Title>
          <Form.List name="prizes">
            {(fields, { add, remove }) => (
              <Space direction="vertical" style={{ width: '100%' }}>
                {fields.map((f, i) => {
                  const p = prizes[i];
                  const w = Number(p?.weight) || 0;
                  return (
                    <Space key={f.key} wrap align="start" data-testid="gm-prize-row">
                      <Form.Item name={[f.name, 'name']} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
                        <Input data-testid="gm-prize-name" placeholder={t('gm.prizeName')} style={{ width: 150 }} maxLength={100} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'kind']}>
                        <Select style={{ width: 110 }} options={(Object.keys(PRIZE_KIND) as PrizeKind[]).map((k) => ({ value: k, label: t(PRIZE_KIND[k]) }))} />
                      </Form.Item>
                      {p?.kind === 'points' ? (
                        <>
                          <Form.Item name={[f.name, 'reward_type']} rules={[{ required: true, message: t('gm.required') }]}>
                            <Select data-testid="gm-prize-type" placeholder={t('gm.rewardType')} style={{ width: 120 }} options={(types.data?.data ?? []).map((x) => ({ value: x.key, label: x.key }))} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'reward_amount']} rules={[{ required: true, message: t('gm.required') }]}>
                            <InputNumber data-testid="gm-prize-amount" placeholder={t('gm.rewardAmount')} min={1} precision={0} />
                          </Form.Item>
                        </>
                      ) : null}
                      <Form.Item name={[f.name, 'weight']} rules={[{ required: true, message: t('gm.required') }]}>
                        <InputNumber data-testid="gm-prize-weight" placeholder={t('gm.weight')} min={0} precision={0} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'stock']}>
                        <InputNumber placeholder={t('gm.stockUnlimited')} min={0} precision={0} />
                      </Form.Item>
                      <Tag data-testid="gm-prize-percent">{totalWeight ? `${((w / totalWeight) * 100).toFixed(2)}%` : '—'}</Tag>
                      <Button size="small" onClick={() => remove(f.name)} disabled={fields.length <= 1}>
                        {t('gm.remove')}
                      </Button>
                    </Space>
                  );
                })}
                <Button data-testid="gm-prize-add" onClick={() => add({ name: '', kind: 'points', weight: 1 })}>
                  {t('gm.prizeAdd')}
                </Button>
              </Space>
            )}
          </Form.List>
        </Form>
      </Modal>
      ) : null}
    </Card>
  );
}

type Item = Schemas['MallItem'];
type Order = Schemas['MallOrder'];
type OrderStatus = Order['status'];
const ORDER_STATUS: Record<OrderStatus, MessageKey> = { pending: 'gm.ostatus.pending', fulfilled: 'gm.ostatus.fulfilled', shipped: 'gm.ostatus.shipped', completed: 'gm.ostatus.completed', cancelled: 'gm.ostatus.cancelled' };
type ItemForm = { name: string; description?: string; image_url?: string; kind: 'virtual' | 'physical'; price_type: string; price: number; stock?: number | null; per_user_limit?: number | null };

function Orders({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, num, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [status, setStatus] = useState<OrderStatus | undefined>();
  const [shipping, setShipping] = useState<Order | null>(null);
  const [tracking, setTracking] = useState('');
  const query = { limit: 25, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'orders', appId, query], queryFn: () => ok(api.GET('/v1/mall/orders', { params: { query } })) });
  const move = useMutation({
    mutationFn: (x: { id: string; status: 'shipped' | 'completed' | 'cancelled'; tracking?: string }) => ok(api.PATCH('/v1/mall/orders/{id}', { params: { path: { id: x.id } }, body: { status: x.status, ...(x.tracking ? { tracking: x.tracking } : {}) } })),
    onSuccess: () => {
      setShipping(null);
      void message.success(t('gm.saved'));
      void qc.invalidateQueries({ queryKey: ['gm', 'orders'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('gm.orders')}
      extra={
        <Select<OrderStatus>
          allowClear
          data-testid="gm-order-status"
          placeholder={t('gm.allStatuses')}
          style={{ width: 160 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            pager.reset();
          }}
          options={(Object.keys(ORDER_STATUS) as OrderStatus[]).map((s) => ({ value: s, label: t(ORDER_STATUS[s]) }))}
        />
      }
    >
      <Table<Order>
        data-testid="gm-orders"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('gm.ordersEmpty') }}
        columns={[
          { title: t('gm.item'), dataIndex: 'item_name', render: (v: string, o) => `${v} × ${o.quantity}` },
          { title: t('gm.userId'), dataIndex: 'user_id' },
          { title: t('gm.total'), render: (_, o) => `${num(o.total)} ${o.price_type}` },
          { title: t('gm.status'), dataIndex: 'status', render: (v: OrderStatus, o) => <Space direction="vertical" size={0}><Tag>{t(ORDER_STATUS[v])}</Tag>{o.tracking ? <Typography.Text type="secondary">{o.tracking}</Typography.Text> : null}</Space> },
          { title: t('gm.shipping'), dataIndex: 'shipping', render: (v: Record<string, string> | null) => (v ? <Typography.Text>{[v.name, v.phone, v.address].filter(Boolean).join(' · ')}</Typography.Text> : '—') },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
          ...(mayManage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, o: Order) => (
                    <Space size={4} wrap>
                      {o.status === 'pending' ? (
                        <Button size="small" data-testid="gm-order-ship" onClick={() => (setTracking(''), setShipping(o))}>
                          {t('gm.ship')}
                        </Button>
                      ) : null}
                      {o.status === 'shipped' ? (
                        <Button size="small" data-testid="gm-order-complete" onClick={() => move.mutate({ id: o.id, status: 'completed' })}>
                          {t('gm.complete')}
                        </Button>
                      ) : null}
                      {o.status === 'pending' || o.status === 'shipped' ? (
                        <Popconfirm title={t('gm.cancelOrderConfirm')} onConfirm={() => move.mutate({ id: o.id, status: 'cancelled' })}>
                          <Button size="small" danger data-testid="gm-order-cancel">
                            {t('gm.cancelOrder')}
                          </Button>
                        </Popconfirm>
                      ) : null}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      <Modal open={shipping !== null} title={t('gm.ship')} onCancel={() => setShipping(null)} onOk={() => shipping && move.mutate({ id: shipping.id, status: 'shipped', tracking: tracking.trim() || undefined })} okButtonProps={{ loading: move.isPending }}>
        <Input data-testid="gm-order-tracking" placeholder={t('gm.tracking')} value={tracking} onChange={(e) => setTracking(e.target.value)} maxLength={200} />
      </Modal>
    </Card>
  );
}

export function Mall({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, num } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'items', appId, query], queryFn: () => ok(api.GET('/v1/mall/items', { params: { query } })) });
  const types = usePointTypes(appId);
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<ItemForm>();
  const refresh = () => void qc.invalidateQueries({ queryKey: ['gm', 'items'] });
  const create = useMutation({
    mutationFn: (v: ItemForm) => ok(api.POST('/v1/mall/items', { body: { name: v.name, description: v.description || null, image_url: v.image_url?.trim() || null, kind: v.kind, price_type: v.price_type, price: v.price, stock: v.stock ?? null, per_user_limit: v.per_user_limit ?? null } })),
    onSuccess: () => {
      setOpen(false);
      form.resetFields();
      void message.success(t('gm.saved'));
      refresh();
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const toggle = useMutation({ mutationFn: (x: { id: string; active: boolean }) => ok(api.PATCH('/v1/mall/items/{id}', { params: { path: { id: x.id } }, body: { active: x.active } })), onSuccess: refresh, onError: (e) => void message.error(errorText(e)) });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <Card
          title={t('gm.items')}
          extra={
            mayManage ? (
              <Button data-testid="gm-item-new" type="primary" onClick={() => setOpen(true)}>
                {t('gm.itemNew')}
              </Button>
            ) : null
          }
        >
          <Table<Item>
            data-testid="gm-items"
            rowKey="id"
            size="small"
            loading={list.isPending}
            pagination={false}
            dataSource={list.data?.data ?? []}
            locale={{ emptyText: t('gm.itemsEmpty') }}
            columns={[
              { title: t('gm.name'), dataIndex: 'name', render: (v: string) => <Typography.Text data-testid="gm-item-name">{v}</Typography.Text> },
              { title: t('gm.itemKind'), dataIndex: 'kind', render: (v: Item['kind']) => <Tag>{v === 'virtual' ? t('gm.virtual') : t('gm.physical')}</Tag> },
              { title: t('gm.price'), render: (_, i) => `${num(i.price)} ${i.price_type}` },
              { title: t('gm.stock'), render: (_, i) => `${num(i.sold)} / ${i.stock === null ? t('gm.unlimited') : num(i.stock)}` },
              { title: t('gm.perUser'), dataIndex: 'per_user_limit', render: (v: number | null) => v ?? t('gm.unlimited') },
              { title: t('gm.active'), dataIndex: 'active', render: (v: boolean, i) => <Switch size="small" checked={v} disabled={!mayManage} onChange={(active) => toggle.mutate({ id: i.id, active })} /> },
            ]}
          />
          <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
        </Card>
      )}
      <Orders appId={appId} mayManage={mayManage} />
      {mayManage ? (
      <Modal open={open} width={640} title={t('gm.itemNew')} onCancel={() => setOpen(false)} onOk={() => form.submit()} okButtonProps={{ loading: create.isPending, 'data-testid': 'gm-item-save' }} forceRender>
        <Form form={form} layout="vertical" initialValues={{ kind: 'physical' }} onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t('gm.name')} rules={[{ required: true, whitespace: true, message: t('gm.nameRequired') }]}>
            <Input data-testid="gm-item-name-input" maxLength={200} />
          </Form.Item>
          <Form.Item name="description" label={t('gm.description')}>
            <Input maxLength={2000} />
          </Form.Item>
          <Form.Item name="image_url" label={t('gm.imageUrl')} rules={[{ type: 'url', message: t('gm.urlRule') }]}>
            <Input placeholder="https://…" maxLength={2000} />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="kind" label={t('gm.itemKind')}>
              <Select
                style={{ width: 120 }}
                options={[
                  { value: 'physical', label: t('gm.physical') },
                  { value: 'virtual', label: t('gm.virtual') },
                ]}
              />
            </Form.Item>
            <Form.Item name="price_type" label={t('gm.pointType')} rules={[{ required: true, message: t('gm.required') }]}>
              <Select data-testid="gm-item-type" style={{ width: 130 }} options={(types.data?.data ?? []).map((p) => ({ value: p.key, label: p.key }))} />
            </Form.Item>
            <Form.Item name="price" label={t('gm.price')} rules={[{ required: true, message: t('gm.required') }]}>
              <InputNumber data-testid="gm-item-price" min={1} precision={0} />
            </Form.Item>
            <Form.Item name="stock" label={t('gm.stock')}>
              <InputNumber min={0} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
            <Form.Item name="per_user_limit" label={t('gm.perUser')}>
              <InputNumber min={1} precision={0} placeholder={t('gm.unlimited')} />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
      ) : null}
    </Space>
  );
}

type Flag = Schemas['AbuseFlag'];
type FlagStatus = Flag['status'];
const FLAG_KIND: Record<Flag['kind'], MessageKey> = { device_many_accounts: 'gm.flag.device_many_accounts', rapid_draws: 'gm.flag.rapid_draws', limit_exceeded: 'gm.flag.limit_exceeded' };
const FLAG_STATUS: Record<FlagStatus, MessageKey> = { open: 'gm.fstatus.open', dismissed: 'gm.fstatus.dismissed', blocked: 'gm.fstatus.blocked' };

function Blocks({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'blocks', appId, query], queryFn: () => ok(api.GET('/v1/gamification/blocks', { params: { query } })) });
  const unblock = useMutation({
    mutationFn: (userId: string) => ok(api.DELETE('/v1/gamification/blocks/{userId}', { params: { path: { userId } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['gm', 'blocks'] }),
    onError: (e) => void message.error(errorText(e)),
  });
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card title={t('gm.blocks')}>
      <Table<Schemas['AbuseBlock']>
        data-testid="gm-blocks"
        rowKey="user_id"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('gm.blocksEmpty') }}
        columns={[
          { title: t('gm.userId'), dataIndex: 'user_id' },
          { title: t('gm.reason'), dataIndex: 'reason' },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
          ...(mayManage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, b: Schemas['AbuseBlock']) => (
                    <Popconfirm title={t('gm.unblockConfirm')} onConfirm={() => unblock.mutate(b.user_id)}>
                      <Button size="small" data-testid="gm-unblock">
                        {t('gm.unblock')}
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

export function Abuse({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [status, setStatus] = useState<FlagStatus | undefined>('open');
  const query = { limit: 25, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['gm', 'flags', appId, query], queryFn: () => ok(api.GET('/v1/gamification/flags', { params: { query } })) });
  const resolve = useMutation({
    mutationFn: (x: { id: string; action: 'dismiss' | 'block' }) => ok(api.POST('/v1/gamification/flags/{id}/resolve', { params: { path: { id: x.id } }, body: { action: x.action } })),
    onSuccess: () => {
      void message.success(t('gm.saved'));
      void qc.invalidateQueries({ queryKey: ['gm', 'flags'] });
      void qc.invalidateQueries({ queryKey: ['gm', 'blocks'] });
    },
    onError: (e) => void message.error(errorText(e)),
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <Card
          title={t('gm.flags')}
          extra={
            <Select<FlagStatus>
              allowClear
              style={{ width: 140 }}
              placeholder={t('gm.allStatuses')}
              value={status}
              onChange={(v) => {
                setStatus(v);
                pager.reset();
              }}
              options={(Object.keys(FLAG_STATUS) as FlagStatus[]).map((s) => ({ value: s, label: t(FLAG_STATUS[s]) }))}
            />
          }
        >
          <Table<Flag>
            data-testid="gm-flags"
            rowKey="id"
            size="small"
            loading={list.isPending}
            pagination={false}
            dataSource={list.data?.data ?? []}
            locale={{ emptyText: t('gm.flagsEmpty') }}
            columns={[
              { title: t('gm.flagKind'), dataIndex: 'kind', render: (v: Flag['kind']) => <Tag color="orange">{t(FLAG_KIND[v])}</Tag> },
              { title: t('gm.subject'), dataIndex: 'subject', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
              { title: t('gm.users'), dataIndex: 'user_ids', render: (v: string[]) => v.join(', ') },
              { title: t('gm.hits'), dataIndex: 'hits' },
              { title: t('gm.status'), dataIndex: 'status', render: (v: FlagStatus) => <Tag>{t(FLAG_STATUS[v])}</Tag> },
              { title: t('gm.updated'), dataIndex: 'updated_at', render: (v: string) => date(v) },
              ...(mayManage
                ? [
                    {
                      title: t('common.actions'),
                      render: (_: unknown, f: Flag) =>
                        f.status === 'open' ? (
                          <Space size={4}>
                            <Button size="small" data-testid="gm-flag-dismiss" onClick={() => resolve.mutate({ id: f.id, action: 'dismiss' })}>
                              {t('gm.dismiss')}
                            </Button>
                            <Popconfirm title={t('gm.blockConfirm')} onConfirm={() => resolve.mutate({ id: f.id, action: 'block' })}>
                              <Button size="small" danger data-testid="gm-flag-block">
                                {t('gm.block')}
                              </Button>
                            </Popconfirm>
                          </Space>
                        ) : null,
                    },
                  ]
                : []),
            ]}
          />
          <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
        </Card>
      )}
      <Blocks appId={appId} mayManage={mayManage} />
    </Space>
  );
}

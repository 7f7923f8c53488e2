// Coupons (优惠券): templates (newest first, cursor pages) with pause / resume and their report,
// a coupon-campaign wizard (template → issue to users), issuing a template to up to 1,000 users
// with each user's outcome, and a user's coupons looked up by user id.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, DatePicker, Descriptions, Empty, Form, Input, InputNumber, Modal, Select, Space, Steps, Switch, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';

type Template = Schemas['CouponTemplate'];
type Coupon = Schemas['Coupon'];
type CKind = Template['kind'];
const KINDS: CKind[] = ['fixed', 'percentage', 'threshold', 'free_shipping'];
const ckKey = (k: string) => `coupons.kind.${k}` as MessageKey;
const csKey = (k: string) => `coupons.status.${k}` as MessageKey;
const yuan = (m: number | null | undefined) => (m === null || m === undefined ? '—' : `¥${(m / 100).toFixed(2)}`);
const minor = (v: number | undefined | null) => Math.round((v ?? 0) * 100);

type TDraft = { name: string; description?: string; kind: CKind; amount?: number; percent_off?: number; max_discount?: number; min_spend?: number; valid_until?: Dayjs; valid_days?: number; per_user_limit?: number; total_quantity?: number; claimable: boolean };

export function describeDiscount(t: (k: MessageKey, v?: Record<string, string | number>) => string, x: Template): string {
  if (x.kind === 'fixed') return t('coupons.offFixed', { amount: yuan(x.amount) });
  if (x.kind === 'threshold') return t('coupons.offThreshold', { min: yuan(x.min_spend), amount: yuan(x.amount) });
  if (x.kind === 'percentage') return t('coupons.offPercent', { p: x.percent_off ?? 0 });
  return t('coupons.kind.free_shipping');
}

function TemplateForm({ onCreated }: { onCreated: (t: Template) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<TDraft>();
  const kind = Form.useWatch('kind', form);
  const create = useMutation({
    mutationFn: (d: TDraft) =>
      ok(
        api.POST('/v1/coupon-templates', {
          body: {
            name: d.name.trim(),
            ...(d.description?.trim() ? { description: d.description.trim() } : {}),
            kind: d.kind,
            ...(d.kind === 'fixed' || d.kind === 'threshold' ? { amount: minor(d.amount) } : {}),
            ...(d.kind === 'percentage' ? { percent_off: d.percent_off, ...(d.max_discount ? { max_discount: minor(d.max_discount) } : {}) } : {}),
            ...(d.min_spend ? { min_spend: minor(d.min_spend) } : {}),
            ...(d.valid_until ? { valid_until: d.valid_until.toISOString() } : {}),
            ...(d.valid_days ? { valid_days: d.valid_days } : {}),
            ...(d.per_user_limit ? { per_user_limit: d.per_user_limit } : {}),
            ...(d.total_quantity ? { total_quantity: d.total_quantity } : {}),
            claimable: d.claimable,
          },
        }),
      ),
    onSuccess: (x) => onCreated(x),
    onError: (e) => void message.error(errorText(e)),
  });
  const req = [{ required: true, message: t('common.required') }];
  return (
    <Form<TDraft> form={form} layout="vertical" initialValues={{ kind: 'fixed', valid_days: 7, claimable: true }} onFinish={(d) => create.mutate(d)}>
      <Form.Item name="name" label={t('coupons.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
        <Input data-testid="coupon-name" maxLength={200} />
      </Form.Item>
      <Space wrap>
        <Form.Item name="kind" label={t('coupons.kindLabel')}>
          <Select style={{ width: 160 }} options={KINDS.map((k) => ({ value: k, label: t(ckKey(k)) }))} />
        </Form.Item>
        {kind === 'fixed' || kind === 'threshold' ? (
          <Form.Item name="amount" label={t('coupons.amount')} rules={req}>
            <InputNumber data-testid="coupon-amount" min={0} precision={2} />
          </Form.Item>
        ) : null}
        {kind === 'percentage' ? (
          <>
            <Form.Item name="percent_off" label={t('coupons.percentOff')} rules={req}>
              <InputNumber min={1} max={99} precision={0} />
            </Form.Item>
            <Form.Item name="max_discount" label={t('coupons.maxDiscount')}>
              <InputNumber min={0} precision={2} />
            </Form.Item>
          </>
        ) : null}
        <Form.Item name="min_spend" label={t('coupons.minSpend')} rules={kind === 'threshold' ? req : []}>
          <InputNumber min={0} precision={2} />
        </Form.Item>
      </Space>
      <Space wrap>
        <Form.Item name="valid_days" label={t('coupons.validDays')}>
          <InputNumber min={1} max={3650} precision={0} />
        </Form.Item>
        <Form.Item name="valid_until" label={t('coupons.validUntil')}>
          <DatePicker showTime />
        </Form.Item>
        <Form.Item name="per_user_limit" label={t('coupons.perUser')}>
          <InputNumber min={1} max={1000} precision={0} />
        </Form.Item>
        <Form.Item name="total_quantity" label={t('coupons.total')}>
          <InputNumber min={1} precision={0} />
        </Form.Item>
        <Form.Item name="claimable" label={t('coupons.claimable')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Space>
      <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="coupon-save">
        {t('wizard.next')}
      </Button>
    </Form>
  );
}

function Issue({ template, onIssued }: { template: Template; onIssued?: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [users, setUsers] = useState('');
  const issue = useMutation({
    mutationFn: () => ok(api.POST('/v1/coupon-templates/{templateId}/issue', { params: { path: { templateId: template.id } }, body: { user_ids: [...new Set(users.split(/[\s,，]+/).map((s) => s.trim()).filter(Boolean))], key: crypto.randomUUID() } })),
    onSuccess: () => onIssued?.(),
    onError: (e) => void message.error(errorText(e)),
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Input.TextArea data-testid="coupon-issue-users" rows={4} placeholder={t('coupons.issueUsers')} value={users} onChange={(e) => setUsers(e.target.value)} />
      <Button type="primary" data-testid="coupon-issue" disabled={!users.trim()} loading={issue.isPending} onClick={() => issue.mutate()}>
        {t('coupons.issue')}
      </Button>
      {issue.data ? (
        <Table
          size="small"
          rowKey="user_id"
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          data-testid="coupon-issue-results"
          dataSource={issue.data.results}
          columns={[
            { title: t('coupons.user'), dataIndex: 'user_id' },
            { title: t('coupons.result'), key: 'r', render: (_: unknown, r) => (r.coupon_id ? <Tag color="green">{t('coupons.issued')}</Tag> : <Tag color="red">{r.error}</Tag>) },
          ]}
        />
      ) : null}
    </Space>
  );
}

/** Coupon campaign: a template, then issued to users. */
export function CouponWizard({ onDone, onBack }: { onDone: () => void; onBack?: () => void }) {
  const { t } = useI18n();
  const [template, setTemplate] = useState<Template | null>(null);
  return (
    <div data-testid="coupon-wizard">
      <Steps current={template ? 1 : 0} items={[{ title: t('coupons.stepTemplate') }, { title: t('coupons.stepIssue') }]} style={{ marginBottom: 24 }} />
      {template ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text>{`${template.name} · ${describeDiscount(t, template)}`}</Typography.Text>
          <Issue template={template} />
          <Button onClick={onDone} data-testid="coupon-wizard-done">
            {t('coupons.done')}
          </Button>
        </Space>
      ) : (
        <>
          <TemplateForm onCreated={setTemplate} />
          {onBack ? (
            <Button type="link" onClick={onBack} style={{ paddingLeft: 0, marginTop: 8 }}>
              {t('wizard.back')}
            </Button>
          ) : null}
        </>
      )}
    </div>
  );
}

function UserCoupons() {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const [userId, setUserId] = useState('');
  const pager = useCursor();
  const query = { limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const r = useQuery({
    queryKey: ['coupons.user', appId, userId, query],
    enabled: !!userId,
    queryFn: () => ok(api.GET('/v1/users/{userId}/coupons', { params: { path: { userId }, query } })),
  });
  return (
    <Card size="small" title={t('coupons.lookup')}>
      <Input.Search data-testid="coupon-lookup" placeholder={t('coupons.userId')} allowClear enterButton style={{ width: 320, marginBottom: 12 }} onSearch={(v) => (setUserId(v.trim()), pager.reset())} />
      {!userId ? null : r.isError ? (
        <ErrorState error={r.error} retry={() => r.refetch()} />
      ) : (
        <>
          <Table<Coupon>
            size="small"
            rowKey="id"
            loading={r.isPending}
            pagination={false}
            dataSource={r.data?.data ?? []}
            locale={{ emptyText: t('coupons.noCoupons') }}
            columns={[
              { title: t('coupons.template'), dataIndex: 'template_id' },
              { title: t('coupons.statusLabel'), dataIndex: 'status', render: (s: string) => <Tag>{t(csKey(s))}</Tag> },
              { title: t('coupons.source'), dataIndex: 'source', render: (s: string) => t(s === 'claim' ? 'coupons.claimed' : 'coupons.issued') },
              { title: t('coupons.validUntil'), dataIndex: 'valid_until', render: (v: string | null) => (v ? date(v) : '—') },
              { title: t('coupons.discount'), dataIndex: 'discount', render: (v: number | null) => yuan(v) },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={r.data?.next_cursor} />
        </>
      )}
    </Card>
  );
}

function TemplateReport({ template }: { template: Template }) {
  const { t, num } = useI18n();
  const { appId } = useCurrent();
  const r = useQuery({ queryKey: ['coupons.report', appId, template.id], queryFn: () => ok(api.GET('/v1/coupon-templates/{templateId}/report', { params: { path: { templateId: template.id } } })) });
  if (r.isError) return <ErrorState error={r.error} retry={() => r.refetch()} />;
  const d = r.data;
  return (
    <Descriptions size="small" bordered column={4}>
      <Descriptions.Item label={t('coupons.issued')}>{d ? num(d.issued) : '…'}</Descriptions.Item>
      <Descriptions.Item label={t('coupons.status.redeemed')}>{d ? num(d.redeemed) : '…'}</Descriptions.Item>
      <Descriptions.Item label={t('coupons.status.expired')}>{d ? num(d.expired) : '…'}</Descriptions.Item>
      <Descriptions.Item label={t('coupons.discountTotal')}>{d ? yuan(d.discount_total) : '…'}</Descriptions.Item>
    </Descriptions>
  );
}

export default function Coupons() {
  const { t, date, num } = useI18n();
  const { appId, role } = useCurrent();
  const mayManage = can(role, 'campaigns.manage');
  const mayReport = can(role, 'analytics.read');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pager = useCursor();
  const [status, setStatus] = useState<'active' | 'paused' | undefined>();
  const [wizard, setWizard] = useState(false);
  const [issuing, setIssuing] = useState<Template | null>(null);
  const [selected, setSelected] = useState<Template | null>(null);
  const query = { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['coupons.templates', appId, query], queryFn: () => ok(api.GET('/v1/coupon-templates', { params: { query } })), placeholderData: keepPreviousData });
  const refresh = () => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('coupons.') });
  const toggle = useMutation({
    mutationFn: (x: Template) => ok(api.PATCH('/v1/coupon-templates/{templateId}', { params: { path: { templateId: x.id } }, body: { status: x.status === 'active' ? 'paused' : 'active' } })),
    onSuccess: refresh,
    onError: (e) => void message.error(errorText(e)),
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select allowClear placeholder={t('coupons.statusLabel')} style={{ width: 140 }} value={status} onChange={(v) => (setStatus(v), pager.reset())} options={[{ value: 'active', label: t('coupons.active') }, { value: 'paused', label: t('coupons.paused') }]} />
        {mayManage ? (
          <Button type="primary" data-testid="coupon-new" onClick={() => setWizard(true)}>
            {t('coupons.new')}
          </Button>
        ) : null}
      </Space>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          <Table<Template>
            data-testid="coupon-templates"
            size="small"
            rowKey="id"
            loading={list.isPending}
            pagination={false}
            dataSource={list.data?.data ?? []}
            locale={{ emptyText: <Empty description={t('coupons.empty')} /> }}
            onRow={(x) => ({ onClick: () => setSelected(x), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('coupons.name'), dataIndex: 'name', render: (v: string) => <span data-testid="coupon-template-name">{v}</span> },
              { title: t('coupons.discount'), key: 'd', render: (_: unknown, x) => describeDiscount(t, x) },
              { title: t('coupons.issued'), key: 'i', render: (_: unknown, x) => (x.total_quantity ? `${num(x.issued)} / ${num(x.total_quantity)}` : num(x.issued)) },
              { title: t('coupons.statusLabel'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'active' ? 'green' : 'default'}>{t(s === 'active' ? 'coupons.active' : 'coupons.paused')}</Tag> },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
              ...(mayManage
                ? [
                    {
                      title: t('common.actions'),
                      key: 'a',
                      render: (_: unknown, x: Template) => (
                        <Space size={4} onClick={(e) => e.stopPropagation()}>
                          <Button size="small" data-testid="coupon-issue-open" onClick={() => setIssuing(x)}>{t('coupons.issue')}</Button>
                          <Button size="small" data-testid="coupon-toggle" onClick={() => toggle.mutate(x)}>{t(x.status === 'active' ? 'coupons.pause' : 'coupons.resume')}</Button>
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
      {selected && mayReport ? (
        <Card size="small" title={selected.name}>
          <TemplateReport key={selected.id} template={selected} />
        </Card>
      ) : null}
      <UserCoupons />
      <Modal open={wizard} width={760} footer={null} title={t('coupons.new')} onCancel={() => (setWizard(false), refresh())} destroyOnHidden>
        <CouponWizard onDone={() => (setWizard(false), refresh())} />
      </Modal>
      <Modal open={!!issuing} width={560} footer={null} title={issuing ? `${t('coupons.issue')} · ${issuing.name}` : ''} onCancel={() => (setIssuing(null), refresh())} destroyOnHidden>
        {issuing ? <Issue template={issuing} onIssued={refresh} /> : null}
      </Modal>
    </Space>
  );
}

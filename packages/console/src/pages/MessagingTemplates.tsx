// Messaging templates: the zh-CN and English texts side by side with their {{variables}} (sample
// and fallback values), created, edited and deleted; a preview renders both languages on the
// server with the samples, or with a sample user's traits. Texts are shown as text, never HTML.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Descriptions, Drawer, Form, Input, Modal, Popconfirm, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';

export type Template = Schemas['MessageTemplate'];
export type Category = Template['category'];
export const CATEGORIES: Record<Category, MessageKey> = { system: 'msg.cat.system', interaction: 'msg.cat.interaction', activity: 'msg.cat.activity', service: 'msg.cat.service' };
export type Channel = 'in_app' | 'realtime' | 'email' | 'webhook';
export const CHANNELS: Record<Channel, MessageKey> = { in_app: 'msg.ch.in_app', realtime: 'msg.ch.realtime', email: 'msg.ch.email', webhook: 'msg.ch.webhook' };
const BUILT_INS = new Set(['user_id', 'nickname']);

type VarRow = { name: string; sample: string; fallback?: string };
type TemplateForm = { key: string; category: Category; url?: string; zh_title: string; zh_body: string; en_title: string; en_body: string; variables?: VarRow[] };

const asValue = (s: string): string | number => (/^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s) : s);

export function useTemplates(appId: string) {
  return useQuery({ queryKey: ['msg', 'templates', appId, 'all'], queryFn: () => ok(api.GET('/v1/messaging/templates', { params: { query: { limit: 100 } } })) });
}

/** Renders a template on the server (both languages) with data; shown side by side. */
export function TemplatePreview({ templateKey, data }: { templateKey: string; data: Record<string, string | number> }) {
  const { t } = useI18n();
  const preview = useQuery({
    queryKey: ['msg', 'preview', templateKey, data],
    queryFn: () => ok(api.POST('/v1/messaging/templates/{key}/preview', { params: { path: { key: templateKey } }, body: Object.keys(data).length ? { data } : {} })),
  });
  if (preview.isError) return <ErrorState error={preview.error} retry={() => preview.refetch()} />;
  if (!preview.data) return <Card loading size="small" />;
  return (
    <Row gutter={12} data-testid="msg-preview">
      {(['zh-CN', 'en'] as const).map((l) => {
        const r = preview.data.rendered[l];
        return (
          <Col span={12} key={l}>
            <Card size="small" title={l === 'zh-CN' ? t('msg.zh') : t('msg.en')}>
              <Typography.Text strong data-testid={`msg-preview-title-${l}`}>
                {r?.title ?? '—'}
              </Typography.Text>
              <Typography.Paragraph data-testid={`msg-preview-body-${l}`} style={{ whiteSpace: 'pre-wrap', marginTop: 8 }}>
                {r?.body ?? '—'}
              </Typography.Paragraph>
              {r?.url ? <Typography.Text type="secondary">{r.url}</Typography.Text> : null}
            </Card>
          </Col>
        );
      })}
    </Row>
  );
}

/** A template's preview with its samples, or with the traits of a sample user. */
function PreviewDrawer({ template, onClose }: { template: Template; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [data, setData] = useState<Record<string, string | number>>({});
  const [userId, setUserId] = useState('');
  const useUser = async (id: string) => {
    setUserId(id);
    if (!id) return setData({});
    try {
      const u = await ok(api.GET('/v1/users/{userId}', { params: { path: { userId: id } } }));
      const traits = (u.traits ?? {}) as Record<string, unknown>;
      const next: Record<string, string | number> = {};
      for (const name of Object.keys(template.variables)) {
        const v = traits[name];
        if (typeof v === 'string' || typeof v === 'number') next[name] = v;
      }
      setData(next);
    } catch (e) {
      void message.error(errorText(e));
    }
  };
  return (
    <Drawer open width={720} onClose={onClose} title={t('msg.previewOf', { key: template.key })}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input.Search data-testid="msg-preview-user" placeholder={t('msg.sampleUser')} allowClear enterButton={t('msg.useUser')} onSearch={(v) => void useUser(v.trim())} style={{ maxWidth: 420 }} />
        <Typography.Text type="secondary">{userId ? t('msg.previewUser', { user: userId }) : t('msg.previewSamples')}</Typography.Text>
        <TemplatePreview templateKey={template.key} data={data} />
      </Space>
    </Drawer>
  );
}

export function Templates({ appId, mayManage }: { appId: string; mayManage: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [category, setCategory] = useState<Category | undefined>();
  const query = { limit: 25, ...(category ? { category } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['msg', 'templates', appId, query], queryFn: () => ok(api.GET('/v1/messaging/templates', { params: { query } })) });
  const [editing, setEditing] = useState<Template | 'new' | null>(null);
  const [previewing, setPreviewing] = useState<Template | null>(null);
  const [form] = Form.useForm<TemplateForm>();
  const refresh = () => void qc.invalidateQueries({ queryKey: ['msg', 'templates'] });
  const save = useMutation({
    mutationFn: (v: TemplateForm) => {
      const content = { 'zh-CN': { title: v.zh_title, body: v.zh_body }, en: { title: v.en_title, body: v.en_body } };
      const variables = Object.fromEntries((v.variables ?? []).filter((x) => x?.name?.trim()).map((x) => [x.name.trim(), { sample: asValue(x.sample ?? ''), ...(x.fallback ? { fallback: asValue(x.fallback) } : {}) }]));
      if (editing === 'new' || editing === null) return ok(api.POST('/v1/messaging/templates', { body: { key: v.key.trim(), category: v.category, content, variables, ...(v.url?.trim() ? { url: v.url.trim() } : {}) } }));
      return ok(api.PATCH('/v1/messaging/templates/{key}', { params: { path: { key: editing.key } }, body: { category: v.category, content, variables, url: v.url?.trim() || null } }));
    },
    onSuccess: () => {
      setEditing(null);
      void message.success(t('msg.saved'));
      refresh();
    },
    onError: (e) => void message.error(errorText(e)),
  });
  const remove = useMutation({ mutationFn: (key: string) => ok(api.DELETE('/v1/messaging/templates/{key}', { params: { path: { key } } })), onSuccess: refresh, onError: (e) => void message.error(errorText(e)) });
  const open = (x: Template | 'new') => {
    setEditing(x);
    form.setFieldsValue(
      x === 'new'
        ? { key: '', category: 'activity', url: '', zh_title: '', zh_body: '', en_title: '', en_body: '', variables: [] }
        : {
            key: x.key,
            category: x.category,
            url: x.url ?? '',
            zh_title: x.content['zh-CN'].title,
            zh_body: x.content['zh-CN'].body,
            en_title: x.content.en.title,
            en_body: x.content.en.body,
            variables: Object.entries(x.variables).map(([name, v]) => ({ name, sample: String(v.sample), ...(v.fallback !== undefined ? { fallback: String(v.fallback) } : {}) })),
          },
    );
  };
  /** Adds a row for every {{name}} in the texts not declared yet (built-ins need none). */
  const detect = () => {
    const v = form.getFieldsValue();
    const text = [v.zh_title, v.zh_body, v.en_title, v.en_body, v.url].join('\n');
    const have = new Set((v.variables ?? []).map((x) => x?.name));
    const found = [...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!).filter((n, i, a) => a.indexOf(n) === i && !have.has(n) && !BUILT_INS.has(n));
    form.setFieldValue('variables', [...(v.variables ?? []), ...found.map((name) => ({ name, sample: '' }))]);
  };
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Card
      title={t('msg.templates')}
      extra={
        <Space>
          <Select<Category>
            allowClear
            style={{ width: 140 }}
            placeholder={t('msg.allCategories')}
            value={category}
            onChange={(v) => {
              setCategory(v);
              pager.reset();
            }}
            options={(Object.keys(CATEGORIES) as Category[]).map((c) => ({ value: c, label: t(CATEGORIES[c]) }))}
          />
          {mayManage ? (
            <Button data-testid="msg-template-new" type="primary" onClick={() => open('new')}>
              {t('msg.templateNew')}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Table<Template>
        data-testid="msg-templates"
        rowKey="key"
        size="small"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data?.data ?? []}
        locale={{ emptyText: t('msg.templatesEmpty') }}
        columns={[
          { title: t('msg.key'), dataIndex: 'key', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          { title: t('msg.category'), dataIndex: 'category', render: (v: Category) => <Tag>{t(CATEGORIES[v])}</Tag> },
          { title: t('msg.zh'), render: (_, x) => <Space direction="vertical" size={0}><Typography.Text strong data-testid="msg-template-zh-title">{x.content['zh-CN'].title}</Typography.Text><Typography.Text type="secondary" ellipsis style={{ maxWidth: 260 }} data-testid="msg-template-zh-body">{x.content['zh-CN'].body}</Typography.Text></Space> },
          { title: t('msg.en'), render: (_, x) => <Space direction="vertical" size={0}><Typography.Text strong>{x.content.en.title}</Typography.Text><Typography.Text type="secondary" ellipsis style={{ maxWidth: 260 }}>{x.content.en.body}</Typography.Text></Space> },
          { title: t('msg.variables'), dataIndex: 'variables', render: (v: Template['variables']) => (Object.keys(v).length ? Object.keys(v).map((n) => <Tag key={n}>{`{{${n}}}`}</Tag>) : '—') },
          { title: t('msg.updated'), dataIndex: 'updated_at', render: (v: string) => date(v) },
          {
            title: t('common.actions'),
            render: (_, x) => (
              <Space size={4} wrap>
                <Button size="small" data-testid="msg-template-preview" onClick={() => setPreviewing(x)}>
                  {t('msg.preview')}
                </Button>
                {mayManage ? (
                  <>
                    <Button size="small" data-testid="msg-template-edit" onClick={() => open(x)}>
                      {t('msg.edit')}
                    </Button>
                    <Popconfirm title={t('msg.deleteTemplateConfirm')} onConfirm={() => remove.mutate(x.key)}>
                      <Button size="small" danger data-testid="msg-template-delete">
                        {t('msg.delete')}
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
      {previewing ? <PreviewDrawer template={previewing} onClose={() => setPreviewing(null)} /> : null}
      {mayManage ? (
        <Modal width={960} open={editing !== null} title={editing === 'new' ? t('msg.templateNew') : t('msg.templateEdit')} onCancel={() => setEditing(null)} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending, 'data-testid': 'msg-template-save' }} forceRender>
          <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
            <Space wrap align="start">
              <Form.Item name="key" label={t('msg.key')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9_.-]{0,63}$/, message: t('msg.keyRule') }]}>
                <Input data-testid="msg-template-key" disabled={editing !== 'new'} maxLength={64} style={{ width: 220 }} />
              </Form.Item>
              <Form.Item name="category" label={t('msg.category')}>
                <Select style={{ width: 150 }} options={(Object.keys(CATEGORIES) as Category[]).map((c) => ({ value: c, label: t(CATEGORIES[c]) }))} />
              </Form.Item>
              <Form.Item name="url" label={t('msg.url')}>
                <Input placeholder="https://… / app://… / /path" maxLength={2000} style={{ width: 340 }} />
              </Form.Item>
            </Space>
            <Row gutter={16}>
              {(
                [
                  ['zh', t('msg.zh')],
                  ['en', t('msg.en')],
                ] as const
              ).map(([l, label]) => (
                <Col span={12} key={l}>
                  <Typography.Title level={5}>{label}</Typography.Title>
                  <Form.Item name={`${l}_title`} label={t('msg.title')} rules={[{ required: true, whitespace: true, message: t('msg.required') }]}>
                    <Input data-testid={`msg-template-${l}-title-input`} maxLength={200} />
                  </Form.Item>
                  <Form.Item name={`${l}_body`} label={t('msg.body')} rules={[{ required: true, whitespace: true, message: t('msg.required') }]}>
                    <Input.TextArea data-testid={`msg-template-${l}-body-input`} autoSize={{ minRows: 3, maxRows: 8 }} maxLength={5000} />
                  </Form.Item>
                </Col>
              ))}
            </Row>
            <Typography.Title level={5}>{t('msg.variables')}</Typography.Title>
            <Typography.Paragraph type="secondary">{t('msg.variablesHint')}</Typography.Paragraph>
            <Form.List name="variables">
              {(fields, { add, remove: drop }) => (
                <Space direction="vertical" style={{ width: '100%' }}>
                  {fields.map((f) => (
                    <Space key={f.key} wrap data-testid="msg-var-row">
                      <Form.Item name={[f.name, 'name']} noStyle rules={[{ required: true, pattern: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/, message: t('msg.varRule') }]}>
                        <Input data-testid="msg-var-name" placeholder={t('msg.varName')} style={{ width: 160 }} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'sample']} noStyle rules={[{ required: true, message: t('msg.required') }]}>
                        <Input data-testid="msg-var-sample" placeholder={t('msg.varSample')} style={{ width: 200 }} maxLength={500} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'fallback']} noStyle>
                        <Input placeholder={t('msg.varFallback')} style={{ width: 200 }} maxLength={500} />
                      </Form.Item>
                      <Button size="small" onClick={() => drop(f.name)}>
                        {t('msg.remove')}
                      </Button>
                    </Space>
                  ))}
                  <Space>
                    <Button size="small" data-testid="msg-var-detect" onClick={detect}>
                      {t('msg.varDetect')}
                    </Button>
                    <Button size="small" onClick={() => add({ name: '', sample: '' })}>
                      {t('msg.varAdd')}
                    </Button>
                  </Space>
                </Space>
              )}
            </Form.List>
          </Form>
        </Modal>
      ) : null}
    </Card>
  );
}

export function Descr({ items }: { items: [string, React.ReactNode][] }) {
  return (
    <Descriptions size="small" column={1} bordered>
      {items.map(([k, v]) => (
        <Descriptions.Item key={k} label={k}>
          {v}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

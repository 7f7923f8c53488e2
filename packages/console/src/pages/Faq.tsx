// The FAQ knowledge base (常见问题) behind the customer-service bot: try a question and see which
// entries answer it with what confidence; entries searched and filtered by language and state;
// add or edit an entry (question, paraphrases one per line, answer, category, language), enable or
// disable it, delete it. Questions and answers are shown as text.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Drawer, Form, Input, List, Popconfirm, Progress, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok } from '../lib/api.ts';

type Locale = 'zh-CN' | 'en';
type Entry = { id: string; question: string; variants: string[]; answer: string; category: string | null; locale: Locale; enabled: boolean; updated_at: string };
type Draft = { question: string; variants?: string; answer: string; category?: string; locale: Locale };

function Try() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const hits = useQuery({ queryKey: ['faq', 'search', q], enabled: q.length > 0, queryFn: () => ok(api.GET('/v1/faq/search', { params: { query: { q, limit: 5 } } })) });
  return (
    <Card title={t('faq.try')} size="small">
      <Input.Search data-testid="faq-try" allowClear enterButton={t('faq.ask')} placeholder={t('faq.tryPlaceholder')} maxLength={500} onSearch={(v) => setQ(v.trim())} />
      {hits.isError ? <ErrorState error={hits.error} retry={() => hits.refetch()} /> : null}
      {q ? (
        <List
          data-testid="faq-hits"
          size="small"
          loading={hits.isFetching}
          locale={{ emptyText: t('faq.noHit') }}
          dataSource={hits.data?.data ?? []}
          renderItem={(h) => (
            <List.Item>
              <Space direction="vertical" size={0} style={{ width: '100%' }}>
                <Space>
                  <Typography.Text strong data-testid="faq-hit-question">{h.question}</Typography.Text>
                  <Progress percent={Math.round(h.score * 100)} size="small" style={{ width: 120 }} />
                </Space>
                <Typography.Text type="secondary" ellipsis>{h.answer}</Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      ) : null}
    </Card>
  );
}

export default function Faq({ mayManage }: { mayManage: boolean }) {
  const { t, date } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const pager = useCursor();
  const [text, setText] = useState('');
  const [locale, setLocale] = useState<Locale | undefined>();
  const [editing, setEditing] = useState<Entry | 'new' | null>(null);
  const [form] = Form.useForm<Draft>();
  const query = { limit: 25, ...(text ? { q: text } : {}), ...(locale ? { locale } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['faq', 'entries', query], queryFn: () => ok(api.GET('/v1/faq/entries', { params: { query } })) });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['faq'] });
  const fail = (e: unknown) => void message.error(errorText(e));
  const save = useMutation({
    mutationFn: async (d: Draft) => {
      const body = { question: d.question.trim(), variants: (d.variants ?? '').split('\n').map((v) => v.trim()).filter(Boolean), answer: d.answer, locale: d.locale };
      const category = d.category?.trim();
      if (editing === 'new') return ok(api.POST('/v1/faq/entries', { body: { ...body, ...(category ? { category } : {}) } }));
      return ok(api.PATCH('/v1/faq/entries/{entryId}', { params: { path: { entryId: (editing as Entry).id } }, body: { ...body, category: category || null } }));
    },
    onSuccess: () => {
      setEditing(null);
      form.resetFields();
      refresh();
    },
    onError: fail,
  });
  const toggle = useMutation({ mutationFn: (e: { id: string; enabled: boolean }) => ok(api.PATCH('/v1/faq/entries/{entryId}', { params: { path: { entryId: e.id } }, body: { enabled: e.enabled } })), onSuccess: refresh, onError: fail });
  const remove = useMutation({ mutationFn: (id: string) => ok(api.DELETE('/v1/faq/entries/{entryId}', { params: { path: { entryId: id } } })), onSuccess: refresh, onError: fail });
  const open = (e: Entry | 'new') => {
    setEditing(e);
    form.setFieldsValue(e === 'new' ? { question: '', variants: '', answer: '', category: '', locale: 'zh-CN' } : { question: e.question, variants: e.variants.join('\n'), answer: e.answer, category: e.category ?? '', locale: e.locale });
  };
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Try />
      <Card
        size="small"
        title={t('faq.entries')}
        extra={
          mayManage ? (
            <Button data-testid="faq-new" type="primary" onClick={() => open('new')}>
              {t('faq.new')}
            </Button>
          ) : null
        }
      >
        <Space style={{ marginBottom: 12 }} wrap>
          <Input.Search data-testid="faq-filter" allowClear placeholder={t('faq.filter')} style={{ width: 240 }} onSearch={(v) => (setText(v.trim()), pager.reset())} />
          <Select<Locale> allowClear placeholder={t('faq.allLocales')} style={{ width: 140 }} value={locale} onChange={(v) => (setLocale(v), pager.reset())} options={[{ value: 'zh-CN', label: '中文 zh-CN' }, { value: 'en', label: 'English' }]} />
        </Space>
        <Table<Entry>
          data-testid="faq-entries"
          rowKey="id"
          size="small"
          loading={list.isPending}
          pagination={false}
          dataSource={(list.data?.data ?? []) as Entry[]}
          columns={[
            {
              title: t('faq.question'),
              render: (_, e) => (
                <Space direction="vertical" size={0}>
                  <Typography.Text data-testid="faq-question">{e.question}</Typography.Text>
                  {e.variants.length ? <Typography.Text type="secondary">{t('faq.variantCount', { n: e.variants.length })}</Typography.Text> : null}
                </Space>
              ),
            },
            { title: t('faq.category'), dataIndex: 'category', render: (v: string | null) => (v ? <Tag>{v}</Tag> : '—') },
            { title: t('faq.locale'), dataIndex: 'locale' },
            { title: t('faq.enabled'), dataIndex: 'enabled', render: (v: boolean, e) => <Switch data-testid="faq-enabled" size="small" checked={v} disabled={!mayManage} onChange={(enabled) => toggle.mutate({ id: e.id, enabled })} /> },
            { title: t('faq.updated'), dataIndex: 'updated_at', render: (v: string) => date(v) },
            ...(mayManage
              ? [
                  {
                    title: t('common.actions'),
                    render: (_: unknown, e: Entry) => (
                      <Space size={4}>
                        <Button size="small" data-testid="faq-edit" onClick={() => open(e)}>
                          {t('faq.edit')}
                        </Button>
                        <Popconfirm title={t('faq.deleteConfirm')} onConfirm={() => remove.mutate(e.id)}>
                          <Button size="small" danger data-testid="faq-delete">
                            {t('faq.delete')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
        <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
      </Card>
      <Drawer open={editing !== null} width={560} title={t(editing === 'new' ? 'faq.new' : 'faq.edit')} onClose={() => setEditing(null)} destroyOnHidden={false}>
        <Form form={form} layout="vertical" onFinish={(d) => save.mutate(d)}>
          <Form.Item name="question" label={t('faq.question')} rules={[{ required: true, whitespace: true, message: t('faq.required') }]}>
            <Input data-testid="faq-form-question" maxLength={500} />
          </Form.Item>
          <Form.Item name="variants" label={t('faq.variants')} extra={t('faq.variantsHelp')}>
            <Input.TextArea data-testid="faq-form-variants" rows={4} />
          </Form.Item>
          <Form.Item name="answer" label={t('faq.answer')} rules={[{ required: true, whitespace: true, message: t('faq.required') }]}>
            <Input.TextArea data-testid="faq-form-answer" rows={5} maxLength={10000} />
          </Form.Item>
          <Space>
            <Form.Item name="category" label={t('faq.category')}>
              <Input data-testid="faq-form-category" maxLength={100} />
            </Form.Item>
            <Form.Item name="locale" label={t('faq.locale')}>
              <Select<Locale> style={{ width: 140 }} options={[{ value: 'zh-CN', label: '中文 zh-CN' }, { value: 'en', label: 'English' }]} />
            </Form.Item>
          </Space>
          <Button data-testid="faq-form-save" type="primary" htmlType="submit" loading={save.isPending}>
            {t('common.save')}
          </Button>
        </Form>
      </Drawer>
    </Space>
  );
}

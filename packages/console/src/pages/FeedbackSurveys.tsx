// Surveys (问卷): the list, a builder (single / multiple choice, text, rating, NPS, CSAT, date;
// forward branching; quota, recurrence, points, trigger event), launch / pause / close, and the
// results: NPS (promoters, passives, detractors, score) and CSAT charts, per-question aggregates,
// the answers table (cursor pages) and the CSV export. Answers are user text, shown as text.
// The same builder, prefilled, edits a survey (PATCH): its questions only until the first response
// (the server answers 409 surveys.has_responses after that), so unchanged questions are not sent.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, DatePicker, Drawer, Empty, Form, Input, InputNumber, Row, Select, Space, Statistic, Switch, Table, Tabs, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { lazy, Suspense, useEffect, useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { showFieldErrors } from '../components/fieldErrors.ts';
import { ErrorState, errorText } from '../components/states.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';
import { downloadCsv } from '../lib/download.ts';
import { can } from '../lib/roles.ts';
import { unescapeHtml as u } from '../../../server/src/lib/text.ts';

const BarChart = lazy(() => import('../components/BarChart.tsx'));

type Survey = Schemas['Survey'];
type Status = Survey['status'];
const QTYPES = ['single', 'multiple', 'text', 'rating', 'nps', 'csat', 'date'] as const;
type QType = (typeof QTYPES)[number];
const NUMERIC: QType[] = ['rating', 'nps', 'csat'];
const STATUS_COLOR: Record<Status, string> = { draft: 'default', active: 'green', paused: 'orange', closed: 'purple' };
const statusKey = (s: Status) => `surveys.status.${s}` as MessageKey;
const typeKey = (q: string) => `surveys.type.${q}` as MessageKey;

type BranchDraft = { op: 'equals' | 'gte' | 'lte'; value: string; goto: string };
type QuestionDraft = { type: QType; title: string; description?: string; required: boolean; options?: string; max_choices?: number; branches?: BranchDraft[] };
type Draft = { name: string; description?: string; status: 'draft' | 'active'; trigger_event?: string; recurrence_days?: number; quota?: number; points?: number; segment_id?: string; window?: [Dayjs, Dayjs] | null; questions: QuestionDraft[] };
type Question = { id: string; type: QType; title: string; options?: { id: string; text: string }[] };

const qid = (i: number) => `q${i + 1}`;
const optionsOf = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s, i) => ({ id: `o${i + 1}`, text: s }));

/** The builder's draft as the API's body: ids q1…, options o1…, branch values typed by question. */
export function toBody(d: Draft) {
  return {
    name: d.name.trim(),
    ...(d.description?.trim() ? { description: d.description.trim() } : {}),
    status: d.status,
    ...(d.trigger_event?.trim() ? { trigger_event: d.trigger_event.trim() } : {}),
    ...(d.recurrence_days ? { recurrence_days: d.recurrence_days } : {}),
    ...(d.quota ? { quota: d.quota } : {}),
    ...(d.points ? { points: d.points } : {}),
    ...(d.segment_id ? { targeting: { segment_id: d.segment_id } } : {}),
    ...(d.window?.[0] && d.window[1] ? { starts_at: d.window[0].toISOString(), ends_at: d.window[1].toISOString() } : {}),
    questions: d.questions.map((q, i) => {
      const options = q.type === 'single' || q.type === 'multiple' ? optionsOf(q.options) : undefined;
      const value = (v: string): string | number => {
        if (NUMERIC.includes(q.type)) return Number(v);
        return options?.find((o) => o.text === v.trim())?.id ?? v.trim();
      };
      const branches = (q.branches ?? [])
        .filter((b) => b && b.goto && b.value !== undefined && String(b.value).trim() !== '')
        .map((b) => ({ when: b.op === 'equals' ? { equals: value(String(b.value)) } : { [b.op]: Number(b.value) }, goto: b.goto }));
      return {
        id: qid(i),
        type: q.type,
        title: q.title.trim(),
        ...(q.description ? { description: q.description } : {}),
        required: q.required ?? true,
        ...(options ? { options } : {}),
        ...(q.type === 'multiple' && q.max_choices ? { max_choices: q.max_choices } : {}),
        ...(branches.length ? { branches } : {}),
      };
    }),
  };
}

type StoredQuestion = { id: string; type: QType; title: string; description?: string; required?: boolean; options?: { id: string; text: string }[]; max_choices?: number; branches?: { when: { equals?: string | number; in?: (string | number)[]; gte?: number; lte?: number }; goto: string }[] };

/** A stored survey as the builder's draft (the inverse of toBody): ids renumbered q1…, option ids back to their texts. */
export function fromSurvey(s: Survey): Draft {
  const qs = s.questions as unknown as StoredQuestion[];
  const renumbered = new Map(qs.map((q, i) => [q.id, qid(i)]));
  const segment = (s.targeting as { segment_id?: string }).segment_id;
  return {
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    status: s.status === 'active' ? 'active' : 'draft',
    ...(s.trigger_event ? { trigger_event: s.trigger_event } : {}),
    ...(s.recurrence_days ? { recurrence_days: s.recurrence_days } : {}),
    ...(s.quota ? { quota: s.quota } : {}),
    ...(s.points ? { points: s.points } : {}),
    ...(segment ? { segment_id: segment } : {}),
    window: s.starts_at && s.ends_at ? [dayjs(s.starts_at), dayjs(s.ends_at)] : null,
    questions: qs.map((q) => {
      const text = (v: string | number) => (typeof v === 'string' ? (q.options?.find((o) => o.id === v)?.text ?? v) : String(v));
      const branches = (q.branches ?? []).flatMap((b): BranchDraft[] => {
        const goto = renumbered.get(b.goto) ?? b.goto;
        if (b.when.equals !== undefined) return [{ op: 'equals', value: text(b.when.equals), goto }];
        // "One of" reads as one "equals" branch per value, to the same question.
        if (b.when.in) return b.when.in.map((v) => ({ op: 'equals', value: text(v), goto }));
        return [...(b.when.gte !== undefined ? [{ op: 'gte' as const, value: String(b.when.gte), goto }] : []), ...(b.when.lte !== undefined ? [{ op: 'lte' as const, value: String(b.when.lte), goto }] : [])];
      });
      return {
        type: q.type,
        title: q.title,
        ...(q.description ? { description: q.description } : {}),
        required: q.required ?? true,
        ...(q.options ? { options: q.options.map((o) => o.text).join('\n') } : {}),
        ...(q.max_choices ? { max_choices: q.max_choices } : {}),
        ...(branches.length ? { branches } : {}),
      };
    }),
  };
}

/** The server's field names of question fields (body.questions.2.title) as the builder's form paths. */
function questionFields(e: unknown): Record<string, (string | number)[]> {
  const issues = ((e as { details?: { issues?: { field?: unknown }[] } } | null)?.details?.issues ?? []).map((i) => i.field).filter((f): f is string => typeof f === 'string');
  const out: Record<string, (string | number)[]> = {};
  for (const f of issues) {
    const m = /^body\.questions\.(\d+)\.(title|type|options|max_choices)/.exec(f);
    if (m) out[f] = ['questions', Number(m[1]), m[2]!];
  }
  return out;
}

/** The edited draft as a PATCH body: cleared fields sent as null, status left to the detail's buttons, questions only when they changed. */
export function toPatch(d: Draft, s: Survey) {
  const { status: _status, questions, targeting: _targeting, starts_at: _startsAt, ends_at: _endsAt, ...rest } = toBody(d);
  const before = toBody(fromSurvey(s));
  const segment = (s.targeting as { segment_id?: string }).segment_id;
  const { segment_id: _segment, ...keep } = s.targeting as Record<string, unknown>;
  return {
    ...rest,
    description: rest.description ?? null,
    trigger_event: rest.trigger_event ?? null,
    recurrence_days: rest.recurrence_days ?? null,
    quota: rest.quota ?? null,
    points: rest.points ?? null,
    ...(JSON.stringify(questions) !== JSON.stringify(before.questions) ? { questions } : {}),
    ...((d.segment_id ?? undefined) !== segment ? { targeting: { ...keep, ...(d.segment_id ? { segment_id: d.segment_id } : {}) } } : {}),
    ...(d.window?.[0] && d.window[1] ? { starts_at: d.window[0].toISOString(), ends_at: d.window[1].toISOString() } : s.starts_at && s.ends_at ? { starts_at: null, ends_at: null } : {}),
  };
}

function Builder({ survey, onDone }: { survey?: Survey; onDone: (s: Survey) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Draft>();
  const questions = (Form.useWatch('questions', form) ?? []) as QuestionDraft[];
  const { appId, role } = useCurrent();
  const segments = useQuery({ queryKey: ['segments.all', appId], enabled: can(role, 'analytics.read'), queryFn: () => ok(api.GET('/v1/segments', { params: { query: { limit: 100 } } })) });
  const create = useMutation({
    mutationFn: (d: Draft) =>
      (survey
        ? ok(api.PATCH('/v1/surveys/{surveyId}', { params: { path: { surveyId: survey.id } }, body: toPatch(d, survey) as never }))
        : ok(api.POST('/v1/surveys', { body: toBody(d) as never }))) as Promise<Survey>,
    onSuccess: (s) => {
      void message.success(t(survey ? 'surveys.saved' : 'surveys.created'));
      if (!survey) form.resetFields();
      onDone(s);
    },
    // body.questions.0.title → questions[0].title under its field, the rest in the toast.
    onError: (e) => void message.error(survey ? showFieldErrors(form, e, questionFields(e)) : errorText(e)),
  });
  return (
    <Form<Draft> form={form} layout="vertical" initialValues={survey ? fromSurvey(survey) : { status: 'draft', questions: [{ type: 'nps', title: '', required: true }] }} onFinish={(d) => create.mutate(d)}>
      <Form.Item name="name" label={t('surveys.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
        <Input data-testid="survey-name" maxLength={200} />
      </Form.Item>
      <Form.Item name="description" label={t('surveys.description')}>
        <Input.TextArea rows={2} maxLength={5000} />
      </Form.Item>
      <Space wrap>
        {survey ? null : (
          <Form.Item name="status" label={t('surveys.statusLabel')}>
            <Select data-testid="survey-status" style={{ width: 140 }} options={(['draft', 'active'] as const).map((s) => ({ value: s, label: t(statusKey(s)) }))} />
          </Form.Item>
        )}
        <Form.Item name="trigger_event" label={t('surveys.trigger')}>
          <Input placeholder="order.paid" style={{ width: 180 }} />
        </Form.Item>
        <Form.Item name="recurrence_days" label={t('surveys.recurrence')}>
          <InputNumber min={1} max={3650} style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="quota" label={t('surveys.quota')}>
          <InputNumber min={1} style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="points" label={t('surveys.points')}>
          <InputNumber min={1} style={{ width: 120 }} />
        </Form.Item>
        <Form.Item name="segment_id" label={t('surveys.segment')}>
          <Select allowClear style={{ width: 200 }} placeholder={t('surveys.allUsers')} loading={segments.isPending && segments.fetchStatus !== 'idle'} options={(segments.data?.data ?? []).map((x) => ({ value: x.id, label: x.name }))} />
        </Form.Item>
        <Form.Item name="window" label={t('surveys.window')}>
          <DatePicker.RangePicker showTime />
        </Form.Item>
      </Space>
      <Form.List name="questions">
        {(fields, { add, remove }) => (
          <Space direction="vertical" style={{ width: '100%' }}>
            {fields.map((f, i) => {
              const q = questions[i];
              const later = questions.map((_, j) => j).filter((j) => j > i).map((j) => ({ value: qid(j), label: qid(j) }));
              return (
                <Card
                  key={f.key}
                  size="small"
                  data-testid="survey-question"
                  title={`${qid(i)}`}
                  extra={fields.length > 1 ? <Button size="small" danger onClick={() => remove(f.name)}>{t('surveys.removeQuestion')}</Button> : null}
                >
                  <Space wrap align="start">
                    <Form.Item name={[f.name, 'type']} label={t('surveys.questionType')}>
                      <Select data-testid={`survey-q${i + 1}-type`} style={{ width: 160 }} options={QTYPES.map((x) => ({ value: x, label: t(typeKey(x)) }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'title']} label={t('surveys.questionTitle')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
                      <Input data-testid={`survey-q${i + 1}-title`} style={{ width: 360 }} maxLength={500} />
                    </Form.Item>
                    {/* A question's description (set through the API) is kept as it is. */}
                    <Form.Item name={[f.name, 'description']} hidden>
                      <Input />
                    </Form.Item>
                    <Form.Item name={[f.name, 'required']} label={t('surveys.required')} valuePropName="checked">
                      <Switch size="small" data-testid={`survey-q${i + 1}-required`} />
                    </Form.Item>
                  </Space>
                  {q?.type === 'single' || q?.type === 'multiple' ? (
                    <Space wrap align="start">
                      <Form.Item name={[f.name, 'options']} label={t('surveys.options')} extra={t('surveys.optionsHelp')} rules={[{ validator: (_, v) => (optionsOf(v).length >= 2 ? Promise.resolve() : Promise.reject(new Error(t('surveys.optionsMin')))) }]}>
                        <Input.TextArea data-testid={`survey-q${i + 1}-options`} rows={3} style={{ width: 360 }} />
                      </Form.Item>
                      {q.type === 'multiple' ? (
                        <Form.Item name={[f.name, 'max_choices']} label={t('surveys.maxChoices')}>
                          <InputNumber min={1} max={50} />
                        </Form.Item>
                      ) : null}
                    </Space>
                  ) : null}
                  {later.length ? (
                    <Form.List name={[f.name, 'branches']}>
                      {(bs, b) => (
                        <>
                          {bs.map((bf, bi) => (
                            <Space key={bf.key} wrap>
                              <span>{t('surveys.branchIf')}</span>
                              <Form.Item name={[bf.name, 'op']} initialValue="equals" noStyle>
                                <Select data-testid={`survey-q${i + 1}-b${bi + 1}-op`} style={{ width: 90 }} options={[{ value: 'equals', label: '=' }, { value: 'gte', label: '≥' }, { value: 'lte', label: '≤' }]} />
                              </Form.Item>
                              <Form.Item name={[bf.name, 'value']} noStyle>
                                <Input data-testid={`survey-q${i + 1}-b${bi + 1}-value`} style={{ width: 140 }} placeholder={t('surveys.branchValue')} />
                              </Form.Item>
                              <span>{t('surveys.branchGoto')}</span>
                              <Form.Item name={[bf.name, 'goto']} noStyle>
                                <Select data-testid={`survey-q${i + 1}-b${bi + 1}-goto`} style={{ width: 120 }} options={[...later, { value: 'end', label: t('surveys.branchEnd') }]} />
                              </Form.Item>
                              <Button size="small" type="link" onClick={() => b.remove(bf.name)}>{t('surveys.removeBranch')}</Button>
                            </Space>
                          ))}
                          <Button size="small" type="dashed" data-testid={`survey-q${i + 1}-add-branch`} onClick={() => b.add({ op: 'equals', value: '', goto: later[0]?.value })}>
                            {t('surveys.addBranch')}
                          </Button>
                        </>
                      )}
                    </Form.List>
                  ) : null}
                </Card>
              );
            })}
            <Button data-testid="survey-add-question" type="dashed" onClick={() => add({ type: 'single', title: '', required: true })}>
              {t('surveys.addQuestion')}
            </Button>
          </Space>
        )}
      </Form.List>
      {survey ? (
        <Typography.Paragraph type="secondary" style={{ marginTop: 16 }}>
          {t('surveys.editHint')}
        </Typography.Paragraph>
      ) : null}
      <Button data-testid={survey ? 'survey-edit-save' : 'survey-save'} type="primary" htmlType="submit" loading={create.isPending} style={{ marginTop: 16 }}>
        {t('common.save')}
      </Button>
    </Form>
  );
}

type Result = { id: string; type: string; title: string; answered: number; options?: { id: string; text: string; count: number; percent: number | null }[]; average?: number | null; distribution?: { value: number; count: number }[]; nps?: { promoters: number; passives: number; detractors: number; score: number | null }; csat?: { satisfied: number; percent: number | null } };

function Results({ survey }: { survey: Survey }) {
  const { t, num } = useI18n();
  const { appId } = useCurrent();
  const r = useQuery({
    queryKey: ['surveys.results', appId, survey.id],
    queryFn: () => ok(api.GET('/v1/surveys/{surveyId}/results', { params: { path: { surveyId: survey.id }, query: {} } })),
    refetchInterval: survey.status === 'active' ? 15_000 : false,
  });
  if (r.isError) return <ErrorState error={r.error} retry={() => r.refetch()} />;
  if (r.isPending) return <Card loading />;
  const d = r.data;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space size="large" align="center">
        <Statistic title={t('surveys.completedResponses')} value={num(d.responses.completed)} data-testid="survey-completed" />
        <Statistic title={t('surveys.partialResponses')} value={num(d.responses.partial)} />
        <Button data-testid="survey-refresh" loading={r.isFetching} onClick={() => void r.refetch()}>
          {t('surveys.refresh')}
        </Button>
      </Space>
      {(d.questions as Result[]).map((q) => (
        <Card key={q.id} size="small" title={`${q.id} · ${q.title}`} extra={<Tag>{t(typeKey(q.type))}</Tag>} data-testid={`survey-result-${q.id}`}>
          <Typography.Text type="secondary">{t('surveys.answered', { n: num(q.answered) })}</Typography.Text>
          {q.nps ? (
            <div data-testid="survey-nps">
              <Row gutter={16} style={{ marginTop: 8 }}>
                <Col span={6}><Statistic title={t('surveys.npsScore')} value={q.nps.score === null ? '—' : q.nps.score} valueStyle={{ color: (q.nps.score ?? 0) >= 0 ? '#389e0d' : '#cf1322' }} data-testid="survey-nps-score" /></Col>
                <Col span={6}><Statistic title={t('surveys.promoters')} value={q.nps.promoters} data-testid="survey-nps-promoters" /></Col>
                <Col span={6}><Statistic title={t('surveys.passives')} value={q.nps.passives} data-testid="survey-nps-passives" /></Col>
                <Col span={6}><Statistic title={t('surveys.detractors')} value={q.nps.detractors} data-testid="survey-nps-detractors" /></Col>
              </Row>
              <Suspense fallback={null}>
                <BarChart
                  testId="survey-nps-chart"
                  bars={[
                    { name: t('surveys.promoters'), value: q.nps.promoters, color: '#52c41a' },
                    { name: t('surveys.passives'), value: q.nps.passives, color: '#faad14' },
                    { name: t('surveys.detractors'), value: q.nps.detractors, color: '#f5222d' },
                  ]}
                />
              </Suspense>
            </div>
          ) : null}
          {q.csat ? (
            <Row gutter={16} style={{ marginTop: 8 }} data-testid="survey-csat">
              <Col span={8}><Statistic title={t('surveys.csat')} value={q.csat.percent === null ? '—' : `${Math.round(q.csat.percent * 10) / 10}%`} data-testid="survey-csat-percent" /></Col>
              <Col span={8}><Statistic title={t('surveys.satisfied')} value={q.csat.satisfied} /></Col>
              {q.average !== undefined && q.average !== null ? <Col span={8}><Statistic title={t('surveys.average')} value={Math.round(q.average * 100) / 100} /></Col> : null}
            </Row>
          ) : null}
          {q.average !== undefined && q.average !== null && !q.nps && !q.csat ? <Statistic title={t('surveys.average')} value={Math.round(q.average * 100) / 100} /> : null}
          {q.distribution && q.distribution.length && !q.nps ? (
            <Suspense fallback={null}>
              <BarChart bars={q.distribution.map((x) => ({ name: String(x.value), value: x.count, color: q.csat ? (x.value >= 4 ? '#52c41a' : x.value === 3 ? '#faad14' : '#f5222d') : undefined }))} />
            </Suspense>
          ) : null}
          {q.options ? (
            <Suspense fallback={null}>
              <BarChart horizontal bars={q.options.map((o) => ({ name: o.text, value: o.count }))} height={Math.max(120, q.options.length * 36)} />
            </Suspense>
          ) : null}
        </Card>
      ))}
    </Space>
  );
}

const show = (v: unknown, q: Question | undefined): string => {
  if (v === undefined || v === null) return '—';
  const opt = (id: string) => q?.options?.find((o) => o.id === id)?.text ?? id;
  if (Array.isArray(v)) return v.map((x) => opt(String(x))).join(', ');
  if (typeof v === 'string' && q?.options) return opt(v);
  return typeof v === 'string' ? u(v) : String(v);
};

function Answers({ survey }: { survey: Survey }) {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const { message } = App.useApp();
  const pager = useCursor();
  const questions = survey.questions as unknown as Question[];
  const query = { limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({
    queryKey: ['surveys.responses', appId, survey.id, query],
    queryFn: () => ok(api.GET('/v1/surveys/{surveyId}/responses', { params: { path: { surveyId: survey.id }, query } })),
    placeholderData: keepPreviousData,
  });
  const [busy, setBusy] = useState(false);
  const exportCsv = async () => {
    setBusy(true);
    try {
      await downloadCsv(`/v1/surveys/${encodeURIComponent(survey.id)}/export`, `survey-${survey.id}.csv`);
    } catch (e) {
      void message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  if (list.isError) return <ErrorState error={list.error} retry={() => list.refetch()} />;
  return (
    <>
      <Button data-testid="survey-export" onClick={exportCsv} loading={busy} style={{ marginBottom: 12 }}>
        {t('surveys.exportCsv')}
      </Button>
      <Table
        data-testid="survey-answers"
        rowKey="id"
        size="small"
        loading={list.isPending}
        pagination={false}
        scroll={{ x: true }}
        locale={{ emptyText: t('surveys.noResponses') }}
        dataSource={list.data?.data ?? []}
        columns={[
          { title: t('surveys.user'), dataIndex: 'user_id' },
          { title: t('surveys.statusLabel'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'completed' ? 'green' : 'default'}>{t(s === 'completed' ? 'surveys.response.completed' : 'surveys.response.partial')}</Tag> },
          ...questions.map((q) => ({ title: q.id, key: q.id, render: (_: unknown, r: Schemas['SurveyResponse']) => <span data-testid="survey-answer">{show(r.answers[q.id], q)}</span> })),
          { title: t('surveys.completedAt'), dataIndex: 'completed_at', render: (v: string | null) => date(v) },
        ]}
      />
      <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
    </>
  );
}

function Detail({ survey, mayManage, mayRead, onEdit }: { survey: Survey; mayManage: boolean; mayRead: boolean; onEdit: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const setStatus = useMutation({
    mutationFn: (status: Status) => ok(api.PATCH('/v1/surveys/{surveyId}', { params: { path: { surveyId: survey.id } }, body: { status } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['surveys'] }),
    onError: (e) => void message.error(errorText(e)),
  });
  const questions = survey.questions as unknown as Question[];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Tag color={STATUS_COLOR[survey.status]} data-testid="survey-detail-status">{t(statusKey(survey.status))}</Tag>
        {mayManage && survey.status !== 'active' && survey.status !== 'closed' ? (
          <Button size="small" type="primary" data-testid="survey-launch" loading={setStatus.isPending} onClick={() => setStatus.mutate('active')}>{t('surveys.launch')}</Button>
        ) : null}
        {mayManage && survey.status === 'active' ? <Button size="small" data-testid="survey-pause" onClick={() => setStatus.mutate('paused')}>{t('surveys.pause')}</Button> : null}
        {mayManage && survey.status !== 'closed' ? <Button size="small" danger data-testid="survey-close" onClick={() => setStatus.mutate('closed')}>{t('surveys.close')}</Button> : null}
        {mayManage ? <Button size="small" data-testid="survey-edit" onClick={onEdit}>{t('surveys.edit')}</Button> : null}
      </Space>
      <Tabs
        items={[
          ...(mayRead
            ? [
                { key: 'results', label: <span data-testid="survey-tab-results">{t('surveys.results')}</span>, children: <Results survey={survey} /> },
                { key: 'answers', label: <span data-testid="survey-tab-answers">{t('surveys.answers')}</span>, children: <Answers survey={survey} /> },
              ]
            : []),
          {
            key: 'questions',
            label: t('surveys.questions'),
            children: (
              <Table
                rowKey="id"
                size="small"
                pagination={false}
                dataSource={questions}
                columns={[
                  { title: 'ID', dataIndex: 'id' },
                  { title: t('surveys.questionType'), dataIndex: 'type', render: (x: string) => t(typeKey(x)) },
                  { title: t('surveys.questionTitle'), dataIndex: 'title' },
                  { title: t('surveys.options'), key: 'o', render: (_: unknown, q: Question) => (q.options ?? []).map((o) => o.text).join(' / ') || '—' },
                ]}
              />
            ),
          },
        ]}
      />
    </Space>
  );
}

/** The app-wide wait between two surveys shown to one user. */
function Recontact({ mayManage }: { mayManage: boolean }) {
  const { t } = useI18n();
  const { appId } = useCurrent();
  const { message } = App.useApp();
  const r = useQuery({ queryKey: ['surveys.settings', appId], queryFn: () => ok(api.GET('/v1/surveys/settings')) });
  const [days, setDays] = useState<number | null>(null);
  useEffect(() => {
    if (r.data) setDays(r.data.recontact_days);
  }, [r.data]);
  const save = useMutation({
    mutationFn: (n: number) => ok(api.PUT('/v1/surveys/settings', { body: { recontact_days: n } })),
    onSuccess: () => (void message.success(t('surveys.saved')), void r.refetch()),
    onError: (e) => void message.error(errorText(e)),
  });
  if (r.isError) return <ErrorState error={r.error} retry={() => r.refetch()} />;
  return (
    <Space>
      <span>{t('surveys.recontact')}</span>
      <InputNumber data-testid="survey-recontact" min={0} max={3650} value={days} disabled={!mayManage || r.isPending} onChange={(v) => setDays(v)} style={{ width: 100 }} />
      {mayManage ? (
        <Button size="small" data-testid="survey-recontact-save" disabled={days === null || days === r.data?.recontact_days} loading={save.isPending} onClick={() => days !== null && save.mutate(days)}>
          {t('common.save')}
        </Button>
      ) : null}
    </Space>
  );
}

export default function Surveys() {
  const { t, date, num } = useI18n();
  const { appId, role } = useCurrent();
  const mayManage = can(role, 'campaigns.manage');
  const mayRead = can(role, 'analytics.read');
  const qc = useQueryClient();
  const pager = useCursor();
  const [status, setStatus] = useState<Status | undefined>();
  const [building, setBuilding] = useState(false);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [editing, setEditing] = useState<Survey | null>(null);
  const query = { limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const list = useQuery({ queryKey: ['surveys', appId, query], queryFn: () => ok(api.GET('/v1/surveys', { params: { query } })), placeholderData: keepPreviousData });
  const rows = list.data?.data ?? [];
  const selected = rows.find((s) => s.id === selectedId) ?? null;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select<Status> allowClear placeholder={t('surveys.statusLabel')} style={{ width: 160 }} value={status} onChange={(s) => (setStatus(s), pager.reset())} options={(['draft', 'active', 'paused', 'closed'] as const).map((s) => ({ value: s, label: t(statusKey(s)) }))} />
        {mayManage ? (
          <Button type="primary" data-testid="survey-new" onClick={() => setBuilding(true)}>
            {t('surveys.new')}
          </Button>
        ) : null}
        <Recontact mayManage={mayManage} />
      </Space>
      {list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          <Table<Survey>
            data-testid="survey-list"
            rowKey="id"
            size="small"
            loading={list.isPending}
            dataSource={rows}
            pagination={false}
            locale={{ emptyText: <Empty description={t('surveys.empty')} /> }}
            onRow={(s) => ({ onClick: () => setSelectedId(s.id), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('surveys.name'), dataIndex: 'name', render: (n: string) => <span data-testid="survey-row-name">{n}</span> },
              { title: t('surveys.statusLabel'), dataIndex: 'status', render: (s: Status) => <Tag color={STATUS_COLOR[s]}>{t(statusKey(s))}</Tag> },
              { title: t('surveys.questions'), key: 'q', render: (_: unknown, s) => s.questions.length },
              { title: t('surveys.completed'), key: 'c', render: (_: unknown, s) => (s.quota ? `${num(s.completed)} / ${num(s.quota)}` : num(s.completed)) },
              { title: t('surveys.recurrence'), dataIndex: 'recurrence_days', render: (v: number | null) => (v ? t('surveys.everyDays', { n: v }) : t('surveys.once')) },
              { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => date(v) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={list.data?.next_cursor} />
        </>
      )}
      <Drawer open={building} width={820} title={t('surveys.new')} onClose={() => setBuilding(false)}>
        <Builder
          onDone={(s) => {
            setBuilding(false);
            pager.reset();
            void list.refetch();
            setSelectedId(s.id);
          }}
        />
      </Drawer>
      <Drawer open={!!selected} width={880} title={selected?.name} onClose={() => setSelectedId(null)} destroyOnHidden>
        {selected ? <Detail key={selected.id} survey={selected} mayManage={mayManage} mayRead={mayRead} onEdit={() => (setEditing(selected), setSelectedId(null))} /> : null}
      </Drawer>
      <Drawer open={!!editing} width={820} title={t('surveys.editTitle', { name: editing?.name ?? '' })} onClose={() => setEditing(null)} destroyOnHidden>
        {mayManage && editing ? (
          <Builder
            key={editing.id}
            survey={editing}
            onDone={(s) => {
              setEditing(null);
              void qc.invalidateQueries({ queryKey: ['surveys'] });
              setSelectedId(s.id);
            }}
          />
        ) : null}
      </Drawer>
    </Space>
  );
}

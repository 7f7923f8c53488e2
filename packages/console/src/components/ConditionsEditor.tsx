// The one condition language of every rule (server lib/conditions.ts) as rows: a property path, an
// operator and a value. Values that read as numbers or true/false are sent as such; `in`/`nin` take
// a comma-separated list. Rows of the same path are merged into one operator object.
import { Button, Form, Input, Select, Space } from 'antd';
import { useI18n } from '../i18n/index.tsx';

export type ConditionRow = { path?: string; op?: string; value?: string };
type Scalar = string | number | boolean;
const OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'exists'] as const;

function scalar(s: string): Scalar {
  const v = s.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v !== '' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

/** Rows → the API's conditions object. */
export function rowsToConditions(rows: ConditionRow[] | undefined): Record<string, Scalar | Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const r of rows ?? []) {
    const path = r.path?.trim();
    if (!path || !r.op) continue;
    const raw = r.value ?? '';
    const v = r.op === 'in' || r.op === 'nin' ? raw.split(',').map((x) => scalar(x)).filter((x) => x !== '') : r.op === 'exists' ? raw.trim() !== 'false' : r.op === 'contains' ? raw : scalar(raw);
    out[path] = { ...(out[path] ?? {}), [r.op]: v };
  }
  return out;
}

/** The API's conditions object → rows. */
export function conditionsToRows(c: Record<string, unknown> | null | undefined): ConditionRow[] {
  const rows: ConditionRow[] = [];
  for (const [path, v] of Object.entries(c ?? {})) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [op, x] of Object.entries(v)) rows.push({ path, op, value: Array.isArray(x) ? x.join(',') : String(x) });
    else rows.push({ path, op: 'eq', value: String(v) });
  }
  return rows;
}

/** A Form.List of condition rows under `name`. */
export function ConditionsEditor({ name, disabled }: { name: string; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <Space direction="vertical" style={{ width: '100%' }} data-testid="conditions">
          {fields.map((f) => (
            <Space key={f.key} wrap>
              <Form.Item name={[f.name, 'path']} noStyle rules={[{ required: true, whitespace: true, message: t('gm.condPathRequired') }]}>
                <Input data-testid="cond-path" placeholder={t('gm.condPath')} style={{ width: 180 }} disabled={disabled} maxLength={200} />
              </Form.Item>
              <Form.Item name={[f.name, 'op']} noStyle initialValue="eq">
                <Select data-testid="cond-op" style={{ width: 110 }} disabled={disabled} options={OPS.map((o) => ({ value: o, label: o }))} />
              </Form.Item>
              <Form.Item name={[f.name, 'value']} noStyle>
                <Input data-testid="cond-value" placeholder={t('gm.condValue')} style={{ width: 180 }} disabled={disabled} maxLength={500} />
              </Form.Item>
              {disabled ? null : (
                <Button size="small" onClick={() => remove(f.name)}>
                  {t('gm.remove')}
                </Button>
              )}
            </Space>
          ))}
          {disabled ? null : (
            <Button size="small" data-testid="cond-add" onClick={() => add({ op: 'eq' })}>
              {t('gm.condAdd')}
            </Button>
          )}
        </Space>
      )}
    </Form.List>
  );
}

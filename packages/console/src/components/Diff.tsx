// Before/after of an audit entry: every changed leaf path with its old and new value, as text.
import { Table, Typography } from 'antd';
import { useI18n } from '../i18n/index.tsx';

function flatten(v: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) out.set(prefix || '(value)', JSON.stringify(v));
  return out;
}

export function diffRows(before: unknown, after: unknown): { path: string; before: string | null; after: string | null }[] {
  const b = flatten(before ?? undefined, '', new Map());
  const a = flatten(after ?? undefined, '', new Map());
  const paths = [...new Set([...b.keys(), ...a.keys()])].sort();
  return paths.filter((p) => b.get(p) !== a.get(p)).map((p) => ({ path: p, before: b.get(p) ?? null, after: a.get(p) ?? null }));
}

export function Diff({ before, after }: { before: unknown; after: unknown }) {
  const { t } = useI18n();
  const rows = diffRows(before, after);
  return (
    <Table
      size="small"
      rowKey="path"
      pagination={false}
      dataSource={rows}
      locale={{ emptyText: t('audit.noChanges') }}
      columns={[
        { title: t('audit.field'), dataIndex: 'path', render: (p: string) => <Typography.Text code>{p}</Typography.Text> },
        { title: t('audit.before'), dataIndex: 'before', render: (v: string | null) => (v === null ? '—' : <Typography.Text delete type="danger">{v}</Typography.Text>) },
        { title: t('audit.after'), dataIndex: 'after', render: (v: string | null) => (v === null ? '—' : <Typography.Text type="success">{v}</Typography.Text>) },
      ]}
    />
  );
}

// The audit log: who did what to which resource, filterable, with each entry's before/after diff.
import { useQuery } from '@tanstack/react-query';
import { Input, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { Diff } from '../components/Diff.tsx';
import { ErrorState } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';

type Entry = Schemas['AuditEntry'];

export default function AuditLog() {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const pager = useCursor();
  const [action, setAction] = useState('');
  const [targetType, setTargetType] = useState('');
  const query = { limit: 50, ...(pager.cursor ? { cursor: pager.cursor } : {}), ...(action ? { action } : {}), ...(targetType ? { target_type: targetType } : {}) };
  const log = useQuery({ queryKey: ['audit', appId, query], queryFn: () => ok(api.GET('/v1/apps/{appId}/audit-log', { params: { path: { appId: appId! }, query } })) });
  return (
    <div>
      <Typography.Title level={3}>{t('nav.audit')}</Typography.Title>
      <Space style={{ marginBottom: 12 }} wrap>
        <Input.Search allowClear placeholder={t('audit.action')} onSearch={(v) => (setAction(v.trim()), pager.reset())} style={{ width: 220 }} />
        <Input.Search allowClear placeholder={t('audit.targetType')} onSearch={(v) => (setTargetType(v.trim()), pager.reset())} style={{ width: 220 }} />
      </Space>
      {log.isError ? (
        <ErrorState error={log.error} retry={() => log.refetch()} />
      ) : (
        <>
          <Table<Entry>
            rowKey="id"
            loading={log.isPending}
            dataSource={log.data?.data ?? []}
            pagination={false}
            locale={{ emptyText: t('audit.empty') }}
            expandable={{ expandedRowRender: (e) => <Diff before={e.before} after={e.after} /> }}
            columns={[
              { title: t('audit.time'), dataIndex: 'created_at', render: (d: string) => date(d) },
              { title: t('audit.actor'), key: 'actor', render: (_: unknown, e: Entry) => `${e.actor_type}${e.actor_id ? ` · ${e.actor_id}` : ''}` },
              { title: t('audit.action'), dataIndex: 'action', render: (a: string) => <Tag>{a}</Tag> },
              { title: t('audit.target'), key: 'target', render: (_: unknown, e: Entry) => `${e.target_type}${e.target_id ? ` · ${e.target_id}` : ''}` },
              { title: t('audit.ip'), dataIndex: 'ip', render: (ip: string | null) => ip ?? '—' },
            ]}
          />
          <CursorPager pager={pager} nextCursor={log.data?.next_cursor} />
        </>
      )}
    </div>
  );
}

// Users: the list (newest first, cursor pages) and a lookup by user id.
import { useQuery } from '@tanstack/react-query';
import { Input, Space, Table, Typography } from 'antd';
import { Link, useNavigate } from 'react-router';
import { CursorPager, useCursor } from '../components/Cursor.tsx';
import { ErrorState } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok, type Schemas } from '../lib/api.ts';
import { useCurrent } from '../lib/auth.tsx';

export function traitSummary(traits: Record<string, unknown>): string {
  const name = traits.name ?? traits.nickname ?? traits.email;
  return typeof name === 'string' ? name : Object.keys(traits).slice(0, 3).join(', ');
}

export default function Users() {
  const { t, date } = useI18n();
  const { appId } = useCurrent();
  const navigate = useNavigate();
  const pager = useCursor();
  const query = { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) };
  const users = useQuery({ queryKey: ['users', appId, query], queryFn: () => ok(api.GET('/v1/users', { params: { query } })) });
  return (
    <div>
      <Typography.Title level={3}>{t('nav.users')}</Typography.Title>
      <Space style={{ marginBottom: 12 }}>
        <Input.Search
          data-testid="user-search"
          placeholder={t('users.searchById')}
          enterButton={t('users.open')}
          onSearch={(v) => v.trim() && navigate(`/users/${encodeURIComponent(v.trim())}`)}
          style={{ width: 360 }}
        />
      </Space>
      {users.isError ? (
        <ErrorState error={users.error} retry={() => users.refetch()} />
      ) : (
        <>
          <Table<Schemas['User']>
            rowKey="user_id"
            loading={users.isPending}
            dataSource={users.data?.data ?? []}
            pagination={false}
            locale={{ emptyText: t('users.empty') }}
            columns={[
              { title: t('users.id'), dataIndex: 'user_id', render: (id: string) => <Link to={`/users/${encodeURIComponent(id)}`}>{id}</Link> },
              { title: t('users.traits'), dataIndex: 'traits', render: (tr: Record<string, unknown>) => <span data-testid="user-traits-summary">{traitSummary(tr)}</span> },
              { title: t('users.timezone'), dataIndex: 'timezone', render: (z: string | null) => z ?? '—' },
              { title: t('common.created'), dataIndex: 'created_at', render: (d: string) => date(d) },
            ]}
          />
          <CursorPager pager={pager} nextCursor={users.data?.next_cursor} />
        </>
      )}
    </div>
  );
}

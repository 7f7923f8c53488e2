// The signed-in layout: navigation for every section, the app switcher, the language switch and
// sign-out. Not signed in (or the session expired) → the sign-in page.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Layout, Menu, Result, Select, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useMemo } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { useI18n, type Locale } from '../i18n/index.tsx';
import { api, ok } from '../lib/api.ts';
import { CurrentCtx, useMe, useSession, type Current } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { session } from '../lib/session.ts';
import { NAV } from './nav.ts';

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <Select<Locale>
      data-testid="language"
      size="small"
      value={locale}
      onChange={setLocale}
      style={{ width: 110 }}
      options={[
        { value: 'zh-CN', label: t('lang.zh') },
        { value: 'en', label: t('lang.en') },
      ]}
    />
  );
}

export function Shell() {
  const { token, appId } = useSession();
  const me = useMe(!!token);
  const { t, setTimeZone } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();

  const apps = me.data?.apps ?? [];
  const current = apps.find((a) => a.id === appId) ?? apps[0] ?? null;
  useEffect(() => {
    if (me.data && current && current.id !== appId) session.setApp(current.id);
  }, [me.data, current, appId]);
  // Dates are shown in the app's reporting time zone (analytics settings) when the role may read it.
  const settings = useQuery({
    queryKey: ['analytics.settings', current?.id],
    enabled: !!current && can(current.role, 'analytics.read'),
    queryFn: () => ok(api.GET('/v1/analytics/settings', { headers: { 'x-canyu-app': current!.id } })),
  });
  const tz = settings.data?.timezone;
  useEffect(() => setTimeZone(tz), [tz, setTimeZone]);

  const ctx = useMemo<Current | null>(() => (me.data ? { me: me.data, appId: current?.id ?? null, role: current?.role ?? null } : null), [me.data, current]);

  if (!token) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  if (me.isPending) return <Spin style={{ display: 'block', margin: 96 }} />;
  if (me.isError || !ctx) return <Result status="error" title={t('common.loadFailed')} extra={<Button onClick={() => me.refetch()}>{t('common.retry')}</Button>} />;

  const role = ctx.role;
  const items = NAV.filter((n) => can(role, n.permission)).map((n) => ({
    key: n.path,
    label: n.built ? (
      t(n.label)
    ) : (
      <Space>
        <span>{t(n.label)}</span>
        <Tag>{t('nav.soon')}</Tag>
      </Space>
    ),
    'data-testid': `nav-${n.key}`,
  }));
  const selected = NAV.find((n) => location.pathname.startsWith(n.path))?.path ?? '/dashboard';

  const signOut = async () => {
    // Revoke the session on the server; the local token goes whatever the answer.
    await api.POST('/v1/auth/logout').catch(() => {});
    session.clear();
    qc.clear();
    navigate('/sign-in', { replace: true });
  };

  return (
    <CurrentCtx.Provider value={ctx}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Sider width={220} theme="light" breakpoint="lg" collapsedWidth={0}>
          <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 16 }}>{t('app.title')}</div>
          <Menu mode="inline" selectedKeys={[selected]} items={items} onClick={(e) => navigate(e.key)} />
        </Layout.Sider>
        <Layout>
          <Layout.Header style={{ background: '#fff', display: 'flex', alignItems: 'center', justifyContent: 'space-between', paddingInline: 24 }}>
            <Space>
              <Typography.Text type="secondary">{t('shell.app')}</Typography.Text>
              <Select
                data-testid="app-switcher"
                style={{ minWidth: 200 }}
                value={ctx.appId ?? undefined}
                placeholder={t('shell.noApp')}
                onChange={(id: string) => {
                  session.setApp(id);
                  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
                }}
                options={apps.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
              />
              {role && <Tag data-testid="role">{t(`role.${role}` as 'role.owner')}</Tag>}
            </Space>
            <Space>
              <LanguageSwitch />
              <Typography.Text data-testid="operator-name">{ctx.me.operator.name || ctx.me.operator.email}</Typography.Text>
              <Button data-testid="sign-out" onClick={signOut}>
                {t('shell.signOut')}
              </Button>
            </Space>
          </Layout.Header>
          <Layout.Content style={{ padding: 24 }}>
            {ctx.appId ? <Outlet /> : <Alert type="info" showIcon message={t('shell.noAppHint')} />}
          </Layout.Content>
        </Layout>
      </Layout>
    </CurrentCtx.Provider>
  );
}

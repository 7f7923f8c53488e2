import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { LanguageSwitch } from '../components/Shell.tsx';
import { errorText } from '../components/states.tsx';
import { useI18n } from '../i18n/index.tsx';
import { api, ok } from '../lib/api.ts';
import { useSession } from '../lib/auth.tsx';
import { session } from '../lib/session.ts';

export function SignIn() {
  const { t } = useI18n();
  const { token, expired } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (token) return <Navigate to="/dashboard" replace />;

  const submit = async (v: { email: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const r = await ok(api.POST('/v1/auth/login', { body: v }));
      qc.clear();
      session.signIn(r.token);
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== '/sign-in' ? from : '/dashboard', { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f5f5f5' }}>
      <Card style={{ width: 380 }} title={t('app.title')} extra={<LanguageSwitch />}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Title level={4} style={{ marginTop: 0 }}>
            {t('signIn.title')}
          </Typography.Title>
          {expired && <Alert type="warning" showIcon message={t('signIn.expired')} data-testid="session-expired" />}
          {error && <Alert type="error" showIcon message={t('signIn.failed')} description={error} data-testid="sign-in-error" />}
          <Form layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item name="email" label={t('signIn.email')} rules={[{ required: true, type: 'email', message: t('signIn.emailRequired') }]}>
              <Input autoComplete="username" data-testid="email" />
            </Form.Item>
            <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
              <Input.Password autoComplete="current-password" data-testid="password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="sign-in">
              {t('signIn.submit')}
            </Button>
          </Form>
        </Space>
      </Card>
    </div>
  );
}

import { Alert, Button } from 'antd';
import { useI18n } from '../i18n/index.tsx';
import { ApiError } from '../lib/api.ts';

/** An error answer as an alert with the server's message (as text) and a retry button. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useI18n();
  const msg = error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  return (
    <Alert
      type="error"
      showIcon
      data-testid="error-state"
      message={t('common.loadFailed')}
      description={msg}
      action={retry ? <Button size="small" onClick={retry}>{t('common.retry')}</Button> : undefined}
    />
  );
}

export function errorText(error: unknown): string {
  return error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
}

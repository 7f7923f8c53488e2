// Cursor pagination (the API's next_cursor): a stack of the cursors of the pages seen so far.
import { Button, Space } from 'antd';
import { useState } from 'react';
import { useI18n } from '../i18n/index.tsx';

export function useCursor() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack.at(-1),
    page: stack.length,
    next: (c: string) => setStack((s) => [...s, c]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function CursorPager({ pager, nextCursor }: { pager: ReturnType<typeof useCursor>; nextCursor: string | null | undefined }) {
  const { t } = useI18n();
  return (
    <Space style={{ marginTop: 12 }}>
      <Button size="small" disabled={pager.page <= 1} onClick={pager.prev} data-testid="page-prev">
        {t('common.prev')}
      </Button>
      <span>{t('common.page', { n: pager.page })}</span>
      <Button size="small" disabled={!nextCursor} onClick={() => nextCursor && pager.next(nextCursor)} data-testid="page-next">
        {t('common.next')}
      </Button>
    </Space>
  );
}

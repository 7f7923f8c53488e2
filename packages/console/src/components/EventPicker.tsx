// An event name field with suggestions from the event catalogue (GET /v1/events/catalog): the host
// event names this app has sent, or Canyu's domain events with their description. Any name may
// still be typed (a rule can wait for an event not sent yet).
import { useQuery } from '@tanstack/react-query';
import { AutoComplete, Input } from 'antd';
import { useI18n } from '../i18n/index.tsx';
import { api, ok } from '../lib/api.ts';

type Props = { value?: string; onChange?: (v: string) => void; source?: 'event' | 'domain' | 'any'; disabled?: boolean; testId?: string; width?: number; placeholder?: string };

export function EventPicker({ value, onChange, source = 'any', disabled, testId, width = 260, placeholder }: Props) {
  const { t, locale } = useI18n();
  const catalog = useQuery({ queryKey: ['events', 'catalog'], queryFn: () => ok(api.GET('/v1/events/catalog')), retry: false, staleTime: 60_000 });
  const q = (value ?? '').toLowerCase();
  const host = source === 'domain' ? [] : (catalog.data?.host ?? []).filter((e) => e.name.toLowerCase().includes(q)).map((e) => ({ value: e.name, label: `${e.name} · ${t('eventPicker.sentN', { n: e.count })}` }));
  const domain = source === 'event' ? [] : (catalog.data?.domain ?? []).filter((e) => e.name.toLowerCase().includes(q)).map((e) => ({ value: e.name, label: `${e.name} · ${locale === 'zh-CN' ? e.description['zh-CN'] : e.description.en}` }));
  const options = [...(host.length ? [{ label: t('eventPicker.host'), options: host }] : []), ...(domain.length ? [{ label: t('eventPicker.domain'), options: domain }] : [])];
  return (
    <AutoComplete value={value} onChange={onChange} options={options} disabled={disabled} style={{ width }}>
      <Input data-testid={testId} placeholder={placeholder} maxLength={200} />
    </AutoComplete>
  );
}

import { Result } from 'antd';
import { useParams } from 'react-router';
import { NAV } from '../components/nav.ts';
import { useI18n } from '../i18n/index.tsx';

export default function Planned() {
  const { t } = useI18n();
  const { section } = useParams();
  const item = NAV.find((n) => n.key === section);
  return <Result status="info" title={item ? t(item.label) : ''} subTitle={t('planned.body')} />;
}

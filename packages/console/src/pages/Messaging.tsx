// Messaging (issue 15): templates (zh-CN/English side by side, variables, preview), the composer
// and sends, announcements, the contact budget and quiet hours, event rules and delivery
// statistics, and the live rooms monitor, one tab each. Mutating controls need messaging.manage
// (live rooms: live.moderate, which analysts lack, so they do not see that tab); analysts read only.
import { Space, Tabs, Typography } from 'antd';
import { useSearchParams } from 'react-router';
import { useI18n } from '../i18n/index.tsx';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { Composer, Sends } from './MessagingSend.tsx';
import { Announcements, ContactBudget, DeliveryStats, MessageRules } from './MessagingSettings.tsx';
import { LiveRooms } from './MessagingLive.tsx';
import { Templates } from './MessagingTemplates.tsx';

export default function Messaging() {
  const { t } = useI18n();
  const { appId, role } = useCurrent();
  const [params, setParams] = useSearchParams();
  if (!appId) return null;
  const mayManage = can(role, 'messaging.manage');
  const tab = (key: string, label: string, children: React.ReactNode) => ({ key, label: <span data-testid={`msg-tab-${key}`}>{label}</span>, children });
  return (
    <div>
      <Typography.Title level={3}>{t('nav.messaging')}</Typography.Title>
      <Tabs
        activeKey={params.get('tab') ?? 'templates'}
        onChange={(k) => setParams({ tab: k }, { replace: true })}
        destroyOnHidden
        items={[
          tab('templates', t('msg.tabTemplates'), <Templates appId={appId} mayManage={mayManage} />),
          tab(
            'sends',
            t('msg.tabSends'),
            <Space direction="vertical" style={{ width: '100%' }}>
              {mayManage ? <Composer appId={appId} onSent={() => {}} /> : null}
              <Sends appId={appId} mayManage={mayManage} />
            </Space>,
          ),
          tab('announcements', t('msg.tabAnnouncements'), <Announcements appId={appId} mayManage={mayManage} />),
          tab('budget', t('msg.tabBudget'), <ContactBudget appId={appId} mayManage={mayManage} />),
          tab('rules', t('msg.tabRules'), <MessageRules appId={appId} mayManage={mayManage} />),
          tab('stats', t('msg.tabStats'), <DeliveryStats appId={appId} />),
          ...(can(role, 'live.moderate') ? [tab('live', t('msg.tabLive'), <LiveRooms appId={appId} />)] : []),
        ]}
      />
    </div>
  );
}

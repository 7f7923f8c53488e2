// Gamification (issue 15): point types, earn rules, check-in settings, levels, badges, tasks,
// lotteries, the points mall and abuse review, one tab each. Mutating controls follow the
// operator's permissions (points.manage for types and rules, gamification.manage for the rest).
import { Tabs, Typography } from 'antd';
import { useSearchParams } from 'react-router';
import { useI18n } from '../i18n/index.tsx';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import { Badges, Levels, Tasks } from './GamificationAchievements.tsx';
import { CheckinSettings, EarnRules, PointTypes } from './GamificationPoints.tsx';
import { Abuse, Lotteries, Mall } from './GamificationRewards.tsx';

export default function Gamification() {
  const { t } = useI18n();
  const { appId, role } = useCurrent();
  const [params, setParams] = useSearchParams();
  if (!appId) return null;
  const points = can(role, 'points.manage');
  const gm = can(role, 'gamification.manage');
  const tab = (key: string, label: string, children: React.ReactNode) => ({ key, label: <span data-testid={`gm-tab-${key}`}>{label}</span>, children });
  return (
    <div>
      <Typography.Title level={3}>{t('nav.gamification')}</Typography.Title>
      <Tabs
        activeKey={params.get('tab') ?? 'points'}
        onChange={(k) => setParams({ tab: k }, { replace: true })}
        destroyOnHidden
        items={[
          tab('points', t('gm.tabPoints'), <PointTypes appId={appId} mayManage={points} />),
          tab('rules', t('gm.tabRules'), <EarnRules appId={appId} mayManage={points} />),
          tab('checkin', t('gm.tabCheckin'), <CheckinSettings appId={appId} mayManage={gm} />),
          tab('levels', t('gm.tabLevels'), <Levels appId={appId} mayManage={gm} />),
          tab('badges', t('gm.tabBadges'), <Badges appId={appId} mayManage={gm} />),
          tab('tasks', t('gm.tabTasks'), <Tasks appId={appId} mayManage={gm} />),
          tab('lottery', t('gm.tabLottery'), <Lotteries appId={appId} mayManage={gm} />),
          tab('mall', t('gm.tabMall'), <Mall appId={appId} mayManage={gm} />),
          tab('abuse', t('gm.tabAbuse'), <Abuse appId={appId} mayManage={gm} />),
        ]}
      />
    </div>
  );
}

// Feedback (用户反馈): surveys, boards, polls, story / hashtag galleries and the operators'
// 1000/100/10 workload, one tab each (the workload tab for roles that read analytics).
import { Tabs, Typography } from 'antd';
import { useI18n } from '../i18n/index.tsx';
import { useCurrent } from '../lib/auth.tsx';
import { can } from '../lib/roles.ts';
import Boards, { Workload } from './FeedbackBoards.tsx';
import Polls from './FeedbackPolls.tsx';
import Stories from './FeedbackStories.tsx';
import Surveys from './FeedbackSurveys.tsx';

export default function Feedback() {
  const { t } = useI18n();
  const { role } = useCurrent();
  return (
    <div>
      <Typography.Title level={3}>{t('nav.feedback')}</Typography.Title>
      <Tabs
        destroyOnHidden
        items={[
          { key: 'surveys', label: <span data-testid="feedback-tab-surveys">{t('feedback.tabs.surveys')}</span>, children: <Surveys /> },
          { key: 'boards', label: <span data-testid="feedback-tab-boards">{t('feedback.tabs.boards')}</span>, children: <Boards /> },
          { key: 'polls', label: <span data-testid="feedback-tab-polls">{t('feedback.tabs.polls')}</span>, children: <Polls /> },
          { key: 'stories', label: <span data-testid="feedback-tab-stories">{t('feedback.tabs.stories')}</span>, children: <Stories /> },
          ...(can(role, 'analytics.read') ? [{ key: 'workload', label: <span data-testid="feedback-tab-workload">{t('feedback.tabs.workload')}</span>, children: <Workload /> }] : []),
        ]}
      />
    </div>
  );
}

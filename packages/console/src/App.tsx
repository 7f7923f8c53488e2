import { App as AntApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { Shell } from './components/Shell.tsx';
import { useI18n } from './i18n/index.tsx';
import { SignIn } from './pages/SignIn.tsx';

// One chunk per section, loaded when first opened.
const Dashboard = lazy(() => import('./pages/Dashboard.tsx'));
const ApiKeys = lazy(() => import('./pages/ApiKeys.tsx'));
const Operators = lazy(() => import('./pages/Operators.tsx'));
const AuditLog = lazy(() => import('./pages/AuditLog.tsx'));
const Users = lazy(() => import('./pages/Users.tsx'));
const UserDetail = lazy(() => import('./pages/UserDetail.tsx'));
const Analytics = lazy(() => import('./pages/Analytics.tsx'));
const Segments = lazy(() => import('./pages/Segments.tsx'));
const Experiments = lazy(() => import('./pages/Experiments.tsx'));
const Communities = lazy(() => import('./pages/Communities.tsx'));
// console-b: campaigns
const Campaigns = lazy(() => import('./pages/Campaigns.tsx'));
const Feedback = lazy(() => import('./pages/Feedback.tsx'));
const Service = lazy(() => import('./pages/Service.tsx'));
const Interactions = lazy(() => import('./pages/Interactions.tsx'));
const Webhooks = lazy(() => import('./pages/Webhooks.tsx'));
const Workflows = lazy(() => import('./pages/Workflows.tsx'));
const Gamification = lazy(() => import('./pages/Gamification.tsx'));
const Messaging = lazy(() => import('./pages/Messaging.tsx'));
const Planned = lazy(() => import('./pages/Planned.tsx'));

const page = (el: React.ReactNode) => <Suspense fallback={<Spin style={{ display: 'block', margin: 48 }} />}>{el}</Suspense>;

const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignIn /> },
    {
      path: '/',
      element: <Shell />,
      children: [
        { index: true, element: <Navigate to="/dashboard" replace /> },
        { path: 'dashboard', element: page(<Dashboard />) },
        { path: 'users', element: page(<Users />) },
        { path: 'users/:userId', element: page(<UserDetail />) },
        { path: 'keys', element: page(<ApiKeys />) },
        { path: 'operators', element: page(<Operators />) },
        { path: 'audit', element: page(<AuditLog />) },
        { path: 'analytics', element: page(<Analytics />) },
        { path: 'segments', element: page(<Segments />) },
        { path: 'experiments', element: page(<Experiments />) },
        { path: 'communities', element: page(<Communities />) },
        { path: 'campaigns', element: page(<Campaigns />) },
        { path: 'feedback', element: page(<Feedback />) },
        { path: 'service', element: page(<Service />) },
        { path: 'interactions', element: page(<Interactions />) },
        { path: 'webhooks', element: page(<Webhooks />) },
        { path: 'workflows', element: page(<Workflows />) },
        { path: 'gamification', element: page(<Gamification />) },
        { path: 'messaging', element: page(<Messaging />) },
        { path: 'planned/:section', element: page(<Planned />) },
        { path: '*', element: <Navigate to="/dashboard" replace /> },
      ],
    },
  ],
  { basename: '/console' },
);

export function App() {
  const { locale } = useI18n();
  return (
    <ConfigProvider locale={locale === 'zh-CN' ? zhCN : enUS} theme={{ token: { colorPrimary: '#d4380d' } }}>
      <AntApp>
        <RouterProvider router={router} />
      </AntApp>
    </ConfigProvider>
  );
}

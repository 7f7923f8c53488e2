// Every section of the console, built or planned (issue 15). Planned ones show in the menu as
// "not available yet"; built ones are shown only to roles that may read them.
import type { MessageKey } from '../i18n/index.tsx';
import type { Permission } from '../lib/roles.ts';

export type NavItem = { key: string; label: MessageKey; path: string; permission: Permission; built: boolean };

export const NAV: NavItem[] = [
  { key: 'dashboard', label: 'nav.dashboard', path: '/dashboard', permission: 'app.read', built: true },
  { key: 'users', label: 'nav.users', path: '/users', permission: 'users.read', built: true },
  { key: 'interactions', label: 'nav.interactions', path: '/interactions', permission: 'app.read', built: true },
  { key: 'gamification', label: 'nav.gamification', path: '/gamification', permission: 'gamification.read', built: true },
  { key: 'campaigns', label: 'nav.campaigns', path: '/campaigns', permission: 'app.read', built: true },
  { key: 'feedback', label: 'nav.feedback', path: '/feedback', permission: 'app.read', built: true },
  { key: 'messaging', label: 'nav.messaging', path: '/messaging', permission: 'messaging.read', built: true },
  { key: 'analytics', label: 'nav.analytics', path: '/analytics', permission: 'analytics.read', built: true },
  { key: 'segments', label: 'nav.segments', path: '/segments', permission: 'analytics.read', built: true },
  { key: 'experiments', label: 'nav.experiments', path: '/experiments', permission: 'analytics.read', built: true },
  { key: 'workflows', label: 'nav.workflows', path: '/workflows', permission: 'analytics.read', built: true },
  { key: 'communities', label: 'nav.communities', path: '/communities', permission: 'app.read', built: true },
  { key: 'service', label: 'nav.service', path: '/service', permission: 'service.read', built: true },
  { key: 'webhooks', label: 'nav.webhooks', path: '/webhooks', permission: 'webhooks.read', built: true },
  { key: 'keys', label: 'nav.keys', path: '/keys', permission: 'keys.read', built: true },
  { key: 'operators', label: 'nav.operators', path: '/operators', permission: 'members.read', built: true },
  { key: 'audit', label: 'nav.audit', path: '/audit', permission: 'audit.read', built: true },
];

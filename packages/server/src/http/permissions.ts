// Operator roles and what each may do: the access vocabulary of the API (route policies name a
// Permission; tenancy stores roles). Pure: no I/O.
export const ROLES = ['owner', 'admin', 'operator', 'moderator', 'analyst', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  'app.read': ['owner', 'admin', 'operator', 'moderator', 'analyst', 'agent'],
  'app.manage': ['owner', 'admin'],
  'app.delete': ['owner'],
  'keys.read': ['owner', 'admin'],
  'keys.manage': ['owner', 'admin'],
  'members.read': ['owner', 'admin', 'operator', 'moderator', 'analyst'],
  'members.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'admin'],
  'users.read': ['owner', 'admin', 'operator', 'moderator', 'analyst', 'agent'],
  'users.write': ['owner', 'admin', 'operator'],
  'events.read': ['owner', 'admin', 'operator', 'analyst'],
  'events.write': ['owner', 'admin', 'operator'],
  'content.moderate': ['owner', 'admin', 'moderator'],
  'content.curate': ['owner', 'admin', 'operator'],
  'campaigns.manage': ['owner', 'admin', 'operator'],
  'analytics.read': ['owner', 'admin', 'operator', 'analyst'],
  'analytics.manage': ['owner', 'admin', 'operator'],
  'messaging.read': ['owner', 'admin', 'operator', 'analyst'],
  'messaging.manage': ['owner', 'admin', 'operator'],
  'live.moderate': ['owner', 'admin', 'operator', 'moderator'],
  'webhooks.read': ['owner', 'admin'],
  'webhooks.manage': ['owner', 'admin'],
  'points.read': ['owner', 'admin', 'operator', 'analyst'],
  'points.manage': ['owner', 'admin', 'operator'],
  'points.adjust': ['owner', 'admin'],
  'gamification.read': ['owner', 'admin', 'operator', 'analyst'],
  'gamification.manage': ['owner', 'admin', 'operator'],
  'feedback.manage': ['owner', 'admin', 'operator', 'moderator'],
  'faq.manage': ['owner', 'admin', 'operator'],
  /** Customer service (客服): read conversations and the queue; work them (claim, reply, transfer, resolve); settings and canned replies. */
  'service.read': ['owner', 'admin', 'operator', 'analyst', 'agent'],
  'service.work': ['owner', 'admin', 'operator', 'agent'],
  'service.manage': ['owner', 'admin', 'operator'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return !!role && (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

const RANK: Record<Role, number> = { owner: 4, admin: 3, operator: 2, moderator: 2, analyst: 1, agent: 1 };

/** An admin manages everyone below owner; only an owner grants or removes ownership. */
export function canAssignRole(actor: Role, target: Role): boolean {
  if (!can(actor, 'members.manage')) return false;
  return actor === 'owner' || RANK[target] < RANK.owner;
}

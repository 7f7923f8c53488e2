import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { can, canAssignRole, PERMISSIONS, ROLES, type Permission, type Role } from './permissions.ts';

const permissions = Object.keys(PERMISSIONS) as Permission[];

describe('role permissions', () => {
  it('lists only known roles, and every permission is granted to the owner', () => {
    for (const p of permissions) {
      for (const r of PERMISSIONS[p]) assert.ok((ROLES as readonly string[]).includes(r), `${p} lists unknown role ${r}`);
      assert.equal(can('owner', p), true, `owner must have ${p}`);
    }
  });

  it('nobody without a role can do anything', () => {
    for (const p of permissions) {
      assert.equal(can(null, p), false);
      assert.equal(can(undefined, p), false);
    }
  });

  it('grants exactly the documented matrix', () => {
    const expected: Record<Role, Permission[]> = {
      owner: permissions,
      admin: permissions.filter((p) => p !== 'app.delete'),
      operator: ['app.read', 'members.read', 'users.read', 'users.write', 'events.read', 'events.write', 'campaigns.manage', 'analytics.read', 'analytics.manage', 'points.read', 'points.manage', 'gamification.read', 'gamification.manage', 'feedback.manage', 'content.curate', 'messaging.read', 'messaging.manage', 'live.moderate', 'faq.manage', 'service.read', 'service.work', 'service.manage'],
      moderator: ['app.read', 'members.read', 'users.read', 'content.moderate', 'feedback.manage', 'live.moderate'],
      analyst: ['app.read', 'members.read', 'users.read', 'events.read', 'analytics.read', 'points.read', 'gamification.read', 'messaging.read', 'service.read'],
      agent: ['app.read', 'users.read', 'service.read', 'service.work'],
    };
    for (const role of ROLES) {
      const granted = permissions.filter((p) => can(role, p));
      assert.deepEqual(granted.sort(), [...expected[role]].sort(), role);
    }
  });

  it('only owners and admins touch keys, members and the audit log; only owners delete apps', () => {
    for (const p of ['keys.read', 'keys.manage', 'members.manage', 'audit.read'] as const) {
      assert.deepEqual(ROLES.filter((r) => can(r, p)), ['owner', 'admin'], p);
    }
    assert.deepEqual(ROLES.filter((r) => can(r, 'app.delete')), ['owner']);
  });

  it('an unknown role string (say, from a corrupted row) grants nothing', () => {
    for (const p of permissions) assert.equal(can('superuser' as Role, p), false);
  });
});

describe('who may assign which role', () => {
  it('owners assign every role, admins every role but owner, the rest none', () => {
    for (const actor of ROLES) {
      for (const target of ROLES) {
        const expected = actor === 'owner' || (actor === 'admin' && target !== 'owner');
        assert.equal(canAssignRole(actor, target), expected, `${actor} → ${target}`);
      }
    }
  });
});

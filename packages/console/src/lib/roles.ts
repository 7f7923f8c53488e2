// What the signed-in operator may do in the current app: the server's own role table
// (packages/server/src/http/permissions.ts, pure), so the console hides exactly the buttons the
// server would refuse. The server still enforces every call.
import { can as serverCan, ROLES, type Permission, type Role } from '../../../server/src/http/permissions.ts';

export { ROLES, type Permission, type Role };

export function can(role: string | null | undefined, permission: Permission): boolean {
  return serverCan((ROLES as readonly string[]).includes(role ?? '') ? (role as Role) : null, permission);
}

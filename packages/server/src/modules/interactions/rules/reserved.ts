// Reserved subject kinds. A kind starting with `canyu.` belongs to another Canyu module (the
// communities module's `canyu.community_post`: a group post, whose replies are comments). Such
// subjects are created and read only through that module, which checks who may see and write
// (membership, mutes, bans); the generic subject and comment routes refuse them, whoever calls.
// Operators still moderate their comments through /v1/moderation.

export const RESERVED_KIND_PREFIX = 'canyu.';

export function isReservedKind(kind: string): boolean {
  return kind.startsWith(RESERVED_KIND_PREFIX);
}

import { AppError, defineErrors } from '../../http/errors.ts';
import { isReservedKind } from './rules/reserved.ts';

declare module '../../http/errors.ts' {
  interface ErrorCodes {
    'interactions.unknown_kind': true;
    'interactions.subject_not_found': true;
    'interactions.comment_not_found': true;
    'interactions.comment_deleted': true;
    'interactions.comment_too_long': true;
    'interactions.folder_not_found': true;
    'interactions.folder_name_taken': true;
    'interactions.default_folder': true;
    'interactions.self_follow': true;
    'interactions.not_author': true;
    'interactions.not_root': true;
    'interactions.pin_limit': true;
    'interactions.slot_not_found': true;
    'interactions.slot_key_taken': true;
    'interactions.user_blocked': true;
    'interactions.posting_too_fast': true;
    'interactions.sensitive_content': true;
    'interactions.coins_disabled': true;
    'interactions.coin_limit': true;
    'interactions.subject_reserved': true;
  }
}

defineErrors({
  'interactions.unknown_kind': [400, '不支持的内容类型'],
  'interactions.subject_not_found': [404, '内容不存在'],
  'interactions.comment_not_found': [404, '评论不存在'],
  'interactions.comment_deleted': [409, '评论已被删除'],
  'interactions.comment_too_long': [400, '评论内容过长'],
  'interactions.folder_not_found': [404, '收藏夹不存在'],
  'interactions.folder_name_taken': [409, '已有同名收藏夹'],
  'interactions.default_folder': [409, '默认收藏夹不能删除'],
  'interactions.self_follow': [400, '不能关注自己'],
  'interactions.not_author': [403, '只有作者本人可以执行该操作'],
  'interactions.not_root': [400, '只能置顶一级评论'],
  'interactions.pin_limit': [409, '置顶评论数量已达上限'],
  'interactions.slot_not_found': [404, '推荐位不存在'],
  'interactions.slot_key_taken': [409, '推荐位标识已存在'],
  'interactions.user_blocked': [403, '该用户已被禁止互动'],
  'interactions.posting_too_fast': [429, '发言过于频繁，请稍后再试'],
  'interactions.sensitive_content': [400, '内容包含敏感词'],
  'interactions.coins_disabled': [409, '未开启投币'],
  'interactions.coin_limit': [409, '投币数量已达上限'],
  'interactions.subject_reserved': [403, '该内容由其他模块管理，请使用对应模块的接口'],
});

// Errors raised from several places, worded once.
export const subjectNotFound = (kind: string, id: string, hint = '') => new AppError('interactions.subject_not_found', `No ${kind} "${id}" in this app${hint}`, { kind, subject_id: id });
export const unknownKind = (kind: string, kinds: string[]) => new AppError('interactions.unknown_kind', `Subject kind "${kind}" is not used by this app (kinds: ${kinds.join(', ')})`, { field: 'params.kind', kind, kinds });
export const userBlocked = (userId: string) => new AppError('interactions.user_blocked', `User ${userId} is blocked from interacting in this app`, { user_id: userId });
export const commentNotFound = (id: number | string) => new AppError('interactions.comment_not_found', `No comment ${id} in this app`, { comment_id: String(id) });
export const folderNotFound = (id: number | string, userId: string, field?: string) => new AppError('interactions.folder_not_found', `Folder ${id} is not one of ${userId}'s folders`, { folder_id: String(id), ...(field ? { field } : {}) });

/**
 * Refuses a reserved kind (`canyu.*`) on the generic routes: its subjects belong to another module,
 * which checks who may read and write them (403, naming the field that carried the kind).
 */
export function assertOpenKind(kind: string | undefined, field = 'params.kind'): void {
  if (kind !== undefined && isReservedKind(kind)) throw new AppError('interactions.subject_reserved', `Subject kind "${kind}" is reserved for a Canyu module; use that module's routes (e.g. /v1/communities for group posts)`, { field, kind });
}

/** Refuses a comment on a reserved subject on the generic comment routes (see assertOpenKind). */
export function assertOpenComment(c: { id: number; subjectKind: string }, field = 'params.commentId'): void {
  if (isReservedKind(c.subjectKind)) throw new AppError('interactions.subject_reserved', `Comment ${c.id} is on a "${c.subjectKind}" subject, reserved for a Canyu module; use that module's routes (e.g. /v1/communities for group replies)`, { field, comment_id: String(c.id), kind: c.subjectKind });
}

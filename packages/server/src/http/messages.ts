// Chinese renderings of error messages, chosen when the caller's Accept-Language prefers zh.
// English messages come from the code that raised the error and carry specifics; the Chinese
// ones are per code, and `details` always carries the specifics in both cases.
import type { ErrorCode } from './errors.ts';

export const ZH_MESSAGES: Record<ErrorCode, string> = {
  validation_failed: '请求参数不合法',
  invalid_json: '请求体不是合法的 JSON',
  bad_request: '请求格式错误',
  invalid_cursor: '分页游标无效，请不带 cursor 重新开始',
  unsupported_media_type: '不支持的 Content-Type，请使用 application/json',
  payload_too_large: '请求体过大',
  not_found: '接口不存在',
  method_not_allowed: '不支持该请求方法',
  'auth.missing_credentials': '缺少认证信息',
  'auth.invalid_key': 'API 密钥无效',
  'auth.revoked_key': 'API 密钥已被吊销',
  'auth.invalid_token': '用户令牌无效',
  'auth.expired_token': '用户令牌已过期',
  'auth.invalid_session': '登录已失效，请重新登录',
  'auth.invalid_login': '邮箱或密码错误',
  'auth.forbidden': '没有权限执行该操作',
  'auth.wrong_user': '用户令牌只能操作本人的数据',
  'auth.user_token_required': '使用可公开密钥时必须携带用户令牌',
  'auth.app_required': '请指定应用（X-Canyu-App 请求头）',
  rate_limited: '请求过于频繁，请稍后再试',
  'idempotency.key_reused': '该幂等键已用于不同的请求',
  'idempotency.in_progress': '相同幂等键的请求正在处理中',
  'events.buffer_full': '事件接收繁忙，请稍后重试',
  'events.shutting_down': '服务正在关闭，请稍后重试',
  'apps.not_found': '应用不存在',
  'apps.key_not_found': '密钥不存在',
  'apps.last_secret_key': '不能吊销最后一个有效的服务端密钥',
  'operators.not_found': '运营账号不存在',
  'operators.email_taken': '该邮箱已被注册',
  'operators.last_owner': '应用至少需要保留一名所有者',
  'operators.member_not_found': '该运营人员不是此应用的成员',
  'operators.role_not_allowed': '无权分配该角色',
  'users.not_found': '用户不存在',
  internal: '服务器内部错误',
  unavailable: '服务暂不可用',
};

export function prefersChinese(acceptLanguage: string | undefined): boolean {
  if (!acceptLanguage) return false;
  const first = acceptLanguage.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('zh');
}

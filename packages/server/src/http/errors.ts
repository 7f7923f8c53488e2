// Services throw AppError with a stable code. Each code is defined once, with its HTTP status and
// its Chinese message, in a catalogue: the core codes below, and each module's own codes in its
// `errors.ts` (via defineErrors). The error handler maps code → status/message only through here.
//
// A module adds codes in two lines that must agree (the type checker sees the first, the runtime
// the second):
//   declare module '../../http/errors.ts' { interface ErrorCodes { 'points.insufficient_balance': true } }
//   defineErrors({ 'points.insufficient_balance': [409, '积分不足'] });

export type ErrorDef = readonly [status: number, zh: string];

const CORE = {
  validation_failed: [400, '请求参数不合法'],
  invalid_json: [400, '请求体不是合法的 JSON'],
  bad_request: [400, '请求格式错误'],
  invalid_cursor: [400, '分页游标无效，请不带 cursor 重新开始'],
  unsupported_media_type: [415, '不支持的 Content-Type，请使用 application/json'],
  payload_too_large: [413, '请求体过大'],
  not_found: [404, '接口不存在'],
  method_not_allowed: [405, '不支持该请求方法'],
  'auth.missing_credentials': [401, '缺少认证信息'],
  'auth.invalid_key': [401, 'API 密钥无效'],
  'auth.revoked_key': [401, 'API 密钥已被吊销'],
  'auth.invalid_token': [401, '用户令牌无效'],
  'auth.expired_token': [401, '用户令牌已过期'],
  'auth.invalid_session': [401, '登录已失效，请重新登录'],
  'auth.invalid_login': [401, '邮箱或密码错误'],
  'auth.forbidden': [403, '没有权限执行该操作'],
  'auth.wrong_user': [403, '用户令牌只能操作本人的数据'],
  'auth.user_token_required': [401, '使用可公开密钥时必须携带用户令牌'],
  'auth.app_required': [400, '请指定应用（X-Canyu-App 请求头）'],
  rate_limited: [429, '请求过于频繁，请稍后再试'],
  'idempotency.key_reused': [409, '该幂等键已用于不同的请求'],
  'idempotency.in_progress': [409, '相同幂等键的请求正在处理中'],
  'events.buffer_full': [429, '事件接收繁忙，请稍后重试'],
  'events.shutting_down': [503, '服务正在关闭，请稍后重试'],
  'apps.not_found': [404, '应用不存在'],
  'apps.key_not_found': [404, '密钥不存在'],
  'apps.last_secret_key': [409, '不能吊销最后一个有效的服务端密钥'],
  'apps.create_forbidden': [403, '只有应用的所有者或管理员可以创建新应用'],
  'operators.not_found': [404, '运营账号不存在'],
  'operators.email_taken': [409, '该邮箱已被注册'],
  'operators.last_owner': [409, '应用至少需要保留一名所有者'],
  'operators.member_not_found': [404, '该运营人员不是此应用的成员'],
  'operators.role_not_allowed': [403, '无权分配该角色'],
  'users.not_found': [404, '用户不存在'],
  internal: [500, '服务器内部错误'],
  unavailable: [503, '服务暂不可用'],
} as const satisfies Record<string, ErrorDef>;

type CoreCodes = { [K in keyof typeof CORE]: true };

/** Every error code Canyu can answer with. Modules add theirs by augmenting this interface. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ErrorCodes extends CoreCodes {}

export type ErrorCode = keyof ErrorCodes & string;

const catalogue = new Map<string, ErrorDef>(Object.entries(CORE));

/** Registers a module's error codes. A code may be defined once; a second, different definition throws. */
export function defineErrors(defs: { [K in ErrorCode]?: ErrorDef }): void {
  for (const [code, def] of Object.entries(defs) as [string, ErrorDef][]) {
    const prev = catalogue.get(code);
    if (prev && (prev[0] !== def[0] || prev[1] !== def[1])) throw new Error(`error code ${code} is defined twice`);
    if (!Number.isInteger(def[0]) || def[0] < 400 || def[0] > 599) throw new Error(`error code ${code}: status ${def[0]} is not 4xx/5xx`);
    catalogue.set(code, def);
  }
}

/** The HTTP status of a code; an unregistered code is a bug and answers 500. */
export function statusOf(code: string): number {
  return catalogue.get(code)?.[0] ?? 500;
}

/** The Chinese message of a code. */
export function zhMessageOf(code: string): string {
  return catalogue.get(code)?.[1] ?? '服务器内部错误';
}

/** All registered codes, for tests and docs. */
export function errorCatalogue(): ReadonlyMap<string, ErrorDef> {
  return catalogue;
}

export type FieldIssue = { field: string; code: string; message: string; expected?: string };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds, for 429/503 answers. */
  readonly retryAfter: number | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, opts?: { retryAfter?: number }) {
    // A refusal (4xx) is an expected answer, not a fault: its stack is never read, and capturing
    // it was the largest cost of a sold-out flash-sale attempt. Server-side codes keep theirs.
    const depth = Error.stackTraceLimit;
    if (statusOf(code) < 500) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = depth;
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.retryAfter = opts?.retryAfter;
  }
  get status(): number {
    return statusOf(this.code);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

export function validationError(issues: FieldIssue[], message?: string): AppError {
  const first = issues[0];
  return new AppError(
    'validation_failed',
    message ?? (first ? `Invalid ${first.field}: ${first.message}` : 'Invalid request'),
    { issues },
  );
}

/** One-line helper for a single bad field, in the same shape as schema validation errors. */
export function fieldError(field: string, message: string, expected?: string): AppError {
  return validationError([{ field, code: 'invalid_value', message, ...(expected ? { expected } : {}) }]);
}

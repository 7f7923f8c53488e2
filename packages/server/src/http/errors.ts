// Services throw AppError with a stable code; this file is the one place codes become HTTP statuses.
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  bad_request: 400,
  invalid_cursor: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  not_found: 404,
  method_not_allowed: 405,
  'auth.missing_credentials': 401,
  'auth.invalid_key': 401,
  'auth.revoked_key': 401,
  'auth.invalid_token': 401,
  'auth.expired_token': 401,
  'auth.invalid_session': 401,
  'auth.invalid_login': 401,
  'auth.forbidden': 403,
  'auth.wrong_user': 403,
  'auth.user_token_required': 401,
  'auth.app_required': 400,
  rate_limited: 429,
  'idempotency.key_reused': 409,
  'idempotency.in_progress': 409,
  'events.buffer_full': 429,
  'events.shutting_down': 503,
  'apps.not_found': 404,
  'apps.key_not_found': 404,
  'apps.last_secret_key': 409,
  'operators.not_found': 404,
  'operators.email_taken': 409,
  'operators.last_owner': 409,
  'operators.member_not_found': 404,
  'operators.role_not_allowed': 403,
  'users.not_found': 404,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type FieldIssue = { field: string; code: string; message: string; expected?: string };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds, for 429/503 answers. */
  readonly retryAfter: number | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, opts?: { retryAfter?: number }) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.retryAfter = opts?.retryAfter;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
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

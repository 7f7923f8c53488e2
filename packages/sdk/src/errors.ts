// Every failed call surfaces as one error type carrying the server's stable error code
// (`{ "error": { "code", "message", "details" } }`), the HTTP status, and the request id to quote.

export class CanyuError extends Error {
  override readonly name = 'CanyuError';
  /** Stable machine-readable code, e.g. `points.insufficient_balance`, `network_error`. */
  readonly code: string;
  /** HTTP status; 0 when no answer arrived (network error, aborted). */
  readonly status: number;
  /** Specifics; for `validation_failed`, `details.issues` names each bad field. */
  readonly details: Record<string, unknown> | null;
  /** The server's `x-request-id`, to find the call in its logs. */
  readonly requestId: string | null;

  constructor(init: { code: string; message: string; status: number; details?: Record<string, unknown> | null; requestId?: string | null; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.details = init.details ?? null;
    this.requestId = init.requestId ?? null;
  }

  /** The error a non-2xx answer carries (its body is read). */
  static async fromResponse(res: Response): Promise<CanyuError> {
    const requestId = res.headers.get('x-request-id');
    let text = '';
    try {
      text = await res.text();
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
      const e = body.error;
      if (e && typeof e.code === 'string') {
        const details = e.details && typeof e.details === 'object' && !Array.isArray(e.details) ? (e.details as Record<string, unknown>) : null;
        return new CanyuError({ code: e.code, message: typeof e.message === 'string' ? e.message : e.code, status: res.status, details, requestId });
      }
    } catch {
      // not JSON in the standard shape (a proxy's error page): fall through
    }
    return new CanyuError({ code: `http_${res.status}`, message: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, status: res.status, requestId });
  }

  static network(cause: unknown): CanyuError {
    const aborted = cause instanceof Error && (cause.name === 'AbortError' || cause.name === 'TimeoutError');
    return new CanyuError({ code: aborted ? 'aborted' : 'network_error', message: cause instanceof Error ? cause.message : String(cause), status: 0, cause });
  }
}

export const isCanyuError = (e: unknown): e is CanyuError => e instanceof CanyuError;

// Every error the API answers with: a code, an HTTP status and a message template, declared once.
export const ERRORS = {
  IFTHEN_ERR_UNAUTHORIZED: { status: 401, message: '%s' },
  IFTHEN_ERR_FORBIDDEN: { status: 403, message: '%s' },
  IFTHEN_ERR_CSRF: { status: 403, message: 'missing or wrong x-csrf-token: a change made with the session cookie must send the csrf_token given at sign-in (GET /v1/session)' },
  IFTHEN_ERR_RATE_LIMITED: { status: 429, message: '%s' },
  IFTHEN_ERR_NOT_FOUND: { status: 404, message: '%s' },
  IFTHEN_ERR_INVALID_JSON: { status: 400, message: 'the body is not valid JSON: %s' },
  IFTHEN_ERR_INVALID_YAML: { status: 400, message: 'the body is not valid YAML: %s' },
  IFTHEN_ERR_BODY_TOO_LARGE: { status: 413, message: 'the body is larger than %s bytes (limit IFTHEN_MAX_BODY_BYTES)' },
  IFTHEN_ERR_TOO_MANY_EVENTS: { status: 413, message: 'the request has %s events; at most %s are allowed (limit IFTHEN_MAX_EVENTS_PER_REQUEST)' },
  IFTHEN_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'content type %s is not supported here; use %s' },
  IFTHEN_ERR_INVALID_BODY: { status: 400, message: '%s' },
  IFTHEN_ERR_INVALID_EVENT: { status: 400, message: '%s' },
  IFTHEN_ERR_INVALID_RULE: { status: 400, message: '%s' },
  IFTHEN_ERR_RULE_ID_MISMATCH: { status: 400, message: 'id: the document says "%s" but the URL says "%s"' },
  IFTHEN_ERR_INVALID_QUERY: { status: 400, message: '%s' },
  IFTHEN_ERR_NOT_READY: { status: 503, message: '%s' },
  IFTHEN_ERR_OVERLOADED: { status: 503, message: 'too busy to take more events now, retry shortly: %s' },
  IFTHEN_ERR_UNAVAILABLE: { status: 503, message: 'temporarily unavailable, retry shortly: %s' },
  IFTHEN_ERR_CONFLICT: { status: 409, message: '%s' },
  IFTHEN_ERR_EVALUATION_TOO_SLOW: { status: 422, message: '%s' },
  IFTHEN_ERR_INTERNAL: { status: 500, message: 'internal error; see the server log (request %s)' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, args: readonly (string | number)[] = [], readonly details?: unknown) {
    let i = 0;
    super(ERRORS[code].message.replace(/%s/g, () => String(args[i++] ?? '')));
    this.status = ERRORS[code].status;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: this.details } : {}) } };
  }
}

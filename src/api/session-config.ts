// Sign-in and session settings (IFTHEN_SESSION_*, IFTHEN_SIGNIN_*, IFTHEN_COOKIE_SECURE), read by loadConfig.

export interface SessionConfig {
  /** IFTHEN_SESSION_TTL_MS: a session ends after this long without a request (sliding); default 12 h. */
  readonly ttlMs: number;
  /** IFTHEN_COOKIE_SECURE=true: the cookie is Secure even on plain HTTP (behind a TLS proxy); else only over https. */
  readonly cookieSecure: boolean;
  /** IFTHEN_SIGNIN_MAX_FAILURES: failed sign-ins per user name within the window before 429; default 5. */
  readonly maxFailures: number;
  /** IFTHEN_SIGNIN_MAX_FAILURES_PER_IP: failed sign-ins per client address within the window; default 20. */
  readonly maxFailuresPerIp: number;
  /** IFTHEN_SIGNIN_WINDOW_MS: how long a failure counts; default 15 min. */
  readonly windowMs: number;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = { ttlMs: 12 * 3_600_000, cookieSecure: false, maxFailures: 5, maxFailuresPerIp: 20, windowMs: 15 * 60_000 };

export function sessionConfig(env: Readonly<Record<string, string | undefined>>): SessionConfig {
  const read = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name}: must be an integer of at least ${min}, got "${raw}"`);
    return value;
  };
  return {
    ttlMs: read('IFTHEN_SESSION_TTL_MS', DEFAULT_SESSION_CONFIG.ttlMs, 1000),
    cookieSecure: env.IFTHEN_COOKIE_SECURE === 'true',
    maxFailures: read('IFTHEN_SIGNIN_MAX_FAILURES', DEFAULT_SESSION_CONFIG.maxFailures, 1),
    maxFailuresPerIp: read('IFTHEN_SIGNIN_MAX_FAILURES_PER_IP', DEFAULT_SESSION_CONFIG.maxFailuresPerIp, 1),
    windowMs: read('IFTHEN_SIGNIN_WINDOW_MS', DEFAULT_SESSION_CONFIG.windowMs, 100),
  };
}

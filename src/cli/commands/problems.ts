// What can go wrong in a command, and how each kind is told to the person: once, on stderr, naming the fix.

/** An answer of the API that is not 2xx: `{"error": {"code", "message", "details?"}}`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

/** The server could not be reached at all (refused, DNS, timeout). */
export class ConnectionError extends Error {
  constructor(readonly url: string, readonly reason: string, urlFrom: '--url' | 'IFTHEN_URL' | 'default') {
    const setting = urlFrom === 'default' ? 'the default URL; set IFTHEN_URL or --url to use another' : `from ${urlFrom}`;
    super(`cannot reach the server at ${url} (${setting}): ${reason}. Is it running? Start it with "ifthen serve", or point IFTHEN_URL (or --url) at it`);
  }
}

/** A mistake in the command line itself: exit 2 with the command's help hint. */
export class UsageError extends Error {}

/** JSON or YAML given on the command line (or in a file it names) that cannot be read: exit 2, no help hint. */
export class InputError extends Error {}

/** The CLI's own setup is wrong or missing (no token, a refused token): exit 1 with the setting to change. */
export class SetupError extends Error {}

/** The server refused an action in the current state (a 409), told in the CLI's words with the command to use instead. */
export class ConflictError extends Error {}

/** Field problems are listed one a line under a headline; the server's message would repeat them joined. */
const HEADLINES: Readonly<Record<string, string>> = {
  IFTHEN_ERR_INVALID_RULE: 'the rule is not valid',
  IFTHEN_ERR_INVALID_EVENT: 'the event is not valid',
  IFTHEN_ERR_INVALID_BODY: 'the request is not valid',
  IFTHEN_ERR_INVALID_QUERY: 'the request is not valid',
};

/** Prints what went wrong the way a person can act on it; returns the exit code. Every error passes here exactly once. */
export function report(error: unknown, name: string): number {
  if (error instanceof ApiError) {
    const lines = detailLines(error.details);
    if (!lines.length) return fail(`${error.message} (${error.code})`);
    return fail([`${HEADLINES[error.code] ?? 'the server refused the request'} (${error.code}):`, ...lines.map((line) => `  ${line}`)].join('\n'));
  }
  // parseArgs reports unknown or malformed options as TypeErrors with an ERR_PARSE_ARGS_* code.
  const badOption = error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  if (error instanceof UsageError || badOption) return fail(`${(error as Error).message}\nrun "ifthen ${name} --help" for usage`, 2);
  if (error instanceof InputError) return fail(error.message, 2);
  if (error instanceof ConnectionError || error instanceof SetupError || error instanceof ConflictError) return fail(error.message);
  return fail(error instanceof Error ? error.message : String(error));
}

function fail(message: string, code = 1): number {
  process.stderr.write(`ifthen: ${message}\n`);
  return code;
}

/** Field problems of a 400: rule validation gives `{path, message}`, ingest gives per-event results with `error`. */
export function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  const lines: string[] = [];
  for (const item of details as unknown[]) {
    const problem = fieldProblem(item) ?? fieldProblem((item as { error?: unknown } | null)?.error);
    if (problem) lines.push(problem);
  }
  return lines;
}

function fieldProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { path, message } = value as { path?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  return typeof path === 'string' && path ? `${path}: ${message}` : message;
}

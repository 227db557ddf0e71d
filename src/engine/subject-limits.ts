// The bound on one subject's profile: an unbounded profile would one day fail the commit that stores it.

export interface SubjectLimits {
  /** Attributes per subject (IFTHEN_MAX_SUBJECT_ATTRIBUTES). */
  readonly maxAttributes: number;
  /** The attributes as JSON, in UTF-8 bytes (IFTHEN_MAX_SUBJECT_BYTES). */
  readonly maxBytes: number;
}

export const DEFAULT_SUBJECT_LIMITS: SubjectLimits = { maxAttributes: 1000, maxBytes: 65_536 };

type Attributes = Readonly<Record<string, unknown>>;

/**
 * Why the profile `after` a change is over the bound, or undefined. A change that does not grow an
 * over-limit profile (removing attributes after the limits were lowered) is allowed.
 */
export function profileProblem(before: Attributes, after: Attributes, limits: SubjectLimits): string | undefined {
  const count = Object.keys(after).length;
  if (count > limits.maxAttributes && count > Object.keys(before).length) {
    return `the profile would have ${count} attributes; a subject may have at most ${limits.maxAttributes} (limit IFTHEN_MAX_SUBJECT_ATTRIBUTES)`;
  }
  const bytes = jsonBytes(after);
  if (bytes > limits.maxBytes && bytes > jsonBytes(before)) {
    return `the profile would take ${bytes} bytes as JSON; a subject's attributes may take at most ${limits.maxBytes} (limit IFTHEN_MAX_SUBJECT_BYTES)`;
  }
  return undefined;
}

function jsonBytes(attributes: Attributes): number {
  return Buffer.byteLength(JSON.stringify(attributes));
}

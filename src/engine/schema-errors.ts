// Turns TypeBox validation errors into "then[0].webhook.url: must be ..." messages.
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** `/then/0/webhook/url` → `then[0].webhook.url`, prefixed by `base`. */
export function pointerToPath(pointer: string, base = ''): string {
  let path = base;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^[0-9]+$/.test(part)) path += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) path += path ? `.${part}` : part;
    else path += `[${JSON.stringify(part)}]`;
  }
  return path || '(root)';
}

function describe(type: ValueErrorType, schema: TSchema & { errorMessage?: string }, fallback: string): string {
  if (schema.errorMessage) return schema.errorMessage;
  switch (type) {
    case ValueErrorType.ObjectRequiredProperty: return 'is required';
    case ValueErrorType.ObjectAdditionalProperties: return 'is not a known field';
    case ValueErrorType.String: return 'must be a string';
    case ValueErrorType.Number: return 'must be a number';
    case ValueErrorType.Integer: return 'must be an integer';
    case ValueErrorType.Boolean: return 'must be true or false';
    case ValueErrorType.Object: return 'must be an object';
    case ValueErrorType.Array: return 'must be a list';
    case ValueErrorType.StringMinLength: return schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`;
    case ValueErrorType.StringMaxLength: return `must be at most ${schema.maxLength} characters`;
    case ValueErrorType.ArrayMinItems: return `must have at least ${schema.minItems} item(s)`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum: return `must be at least ${schema.minimum}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum: return `must be at most ${schema.maximum}`;
    default: return fallback.charAt(0).toLowerCase() + fallback.slice(1);
  }
}

/** All schema violations, one per path (the first found), in document order. */
export function schemaErrors(schema: TSchema, value: unknown, base = ''): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const error of Value.Errors(schema, value)) {
    const path = pointerToPath(error.path, base);
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: describe(error.type, error.schema as TSchema, error.message) });
  }
  return errors;
}

export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}

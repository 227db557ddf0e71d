// Validates a rule document: shape from the schema, then what a schema cannot say (one action key,
// one trigger shape, goals' windows and names, bounded windows, time zones, CEL that compiles, templates that
// parse, URLs).
import { RuleSchema, ACTION_SCHEMAS, ACTION_KINDS, type RuleDocument, type ActionKind } from './schema.ts';
import { schemaErrors, type FieldError } from '../schema-errors.ts';
import { compileCondition, compileExpression, CelCompileError, type CelExtraVariable } from '../cel.ts';
import { parseDuration } from '../duration.ts';
import { isTimeZone } from '../local-time.ts';
import { checkTemplate, checkValueTemplates } from '../template.ts';
import { Type } from '@sinclair/typebox';
import { conditionPaths } from '../condition-paths.ts';
import { ruleMetrics } from '../holdout/metrics.ts';

const RuleShape = Type.Composite([Type.Omit(RuleSchema, ['then']), Type.Object({ then: Type.Array(Type.Unknown(), { minItems: 1, errorMessage: 'must be a list of at least one action' }) })], { additionalProperties: false });

export function validateRule(input: unknown): { ok: true; rule: RuleDocument } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const report = (path: string, message: string) => errors.push({ path, message });
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: [{ path: '(root)', message: 'a rule must be an object' }] };
  const doc = input as Record<string, unknown>;
  const when = doc.when as Record<string, unknown> | undefined;

  for (const e of schemaErrors(RuleShape, doc)) errors.push(e);

  if (Array.isArray(doc.then)) doc.then.forEach((action, i) => validateAction(action, `then[${i}]`, report));
  if (!errors.some((e) => /^(when|limits)\b/.test(e.path))) checkMemory(doc as unknown as RuleDocument, report);
  else if (when && typeof when.where === 'string') {
    // The shape is broken, but the condition's own mistakes are still worth saying at once (with every
    // variable a rule may have declared, so that none is reported for want of the shape).
    try { compileCondition(when.where, ['window', 'steps', 'change']); } catch (error) {
      report('when.where', error instanceof CelCompileError ? error.message : String(error));
    }
  }
  if (!errors.some((e) => /^(goals?|guardrails|holdout)\b/.test(e.path))) checkMetrics(doc as unknown as RuleDocument, report);
  return errors.length ? { ok: false, errors } : { ok: true, rule: doc as unknown as RuleDocument };
}

function validateAction(action: unknown, path: string, report: (path: string, message: string) => void): void {
  const keys = action !== null && typeof action === 'object' && !Array.isArray(action) ? Object.keys(action) : [];
  const kinds = keys.filter((k): k is ActionKind => (ACTION_KINDS as string[]).includes(k));
  if (keys.length !== 1 || kinds.length !== 1) {
    const unknown = keys.filter((k) => !(ACTION_KINDS as string[]).includes(k));
    const why = unknown.length ? `unknown action "${unknown[0]}"; ` : '';
    report(path, `${why}an action must have exactly one of ${ACTION_KINDS.join(', ')}`);
    return;
  }
  const kind = kinds[0];
  const spec = (action as Record<string, unknown>)[kind];
  const shapeErrors = schemaErrors(ACTION_SCHEMAS[kind], spec, `${path}.${kind}`);
  shapeErrors.forEach((e) => report(e.path, e.message));
  if (shapeErrors.length) return;
  const fields = spec as Record<string, unknown>;
  if ('url' in fields) checkUrl(fields.url as string, `${path}.${kind}.url`, report);
  for (const key of Object.keys(fields)) {
    if (kind === 'emit' && key === 'event') continue;
    checkValueTemplates(fields[key], `${path}.${kind}.${key}`, report);
  }
}

function checkUrl(url: string, path: string, report: (path: string, message: string) => void): void {
  try { checkTemplate(url); } catch { return; } // reported with the other templates
  const probe = url.replace(/\{\{[^}]*\}\}|\{%[^%]*%\}/g, 'x');
  let parsed: URL | undefined;
  try { parsed = new URL(probe); } catch { /* reported below */ }
  // The scheme is literal (so a rendered URL can never turn into file: or ftp:); the host may be a template:
  // the destination is keyed by the rendered host, and the SSRF guard checks the address it resolves to.
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || !/^https?:\/\/[^/]/.test(url)) {
    report(path, 'must be https or http URL');
  }
}

/** At most 90 days: every window and period of a rule with memory is bounded (MEMORY.md). */
export const MAX_WINDOW_MS = 90 * 86_400_000;

/** What the schema cannot say about triggers and limits: one trigger shape, bounded windows, zones, CEL. */
function checkMemory(doc: RuleDocument, report: (path: string, message: string) => void): void {
  const when = doc.when;
  const thresholds = (['count', 'sum', 'distinct'] as const).filter((k) => when[k] !== undefined);
  if (thresholds.length > 1) report(`when.${thresholds[1]}`, `one threshold per rule: ${thresholds.join(' and ')} given`);
  const primary = [thresholds.length ? thresholds[0] : undefined, when.after ? 'after' : undefined, when.change ? 'change' : undefined].filter((k): k is string => k !== undefined);
  if (primary.length > 1) report(`when.${primary[1]}`, `one trigger shape per rule: ${primary[0]} and ${primary[1]} cannot be combined`);
  if (thresholds.length && when.unless) report('when.unless', `one trigger shape per rule: ${thresholds[0]} and unless cannot be combined (a threshold may take wait)`);
  if (when.event === undefined && !when.change) report('when.event', 'is required (it may be left out only with change, where it defaults to identify)');
  if (when.unless && when.unless.within === undefined && when.wait === undefined) report('when.unless.within', 'is required (or give when.wait, whose time it then takes)');

  const window = (path: string, text: string | undefined) => {
    if (text === undefined) return;
    const ms = parseDuration(text);
    if (ms <= 0) report(path, 'must be longer than 0');
    else if (ms > MAX_WINDOW_MS) report(path, `must be at most 90d (${text} given)`);
  };
  for (const k of thresholds) window(`when.${k}.within`, when[k]!.within);
  const steps = when.after === undefined ? [] : Array.isArray(when.after) ? when.after : [when.after];
  const stepPath = (i: number) => (Array.isArray(when.after) ? `when.after[${i}]` : 'when.after');
  steps.forEach((s, i) => window(`${stepPath(i)}.within`, s.within));
  window('when.unless.within', when.unless?.within);
  window('when.wait', when.wait);
  const limits = doc.limits;
  window('limits.dedupe.within', limits?.dedupe?.within);
  window('limits.per_subject.per', limits?.per_subject?.per);
  window('limits.group.per', limits?.group?.per);
  const quiet = limits?.quiet_hours;
  if (quiet) {
    if (quiet.from === quiet.to) report('limits.quiet_hours.to', 'must differ from from (quiet hours from 22:00 to 08:00 wrap midnight)');
    if (quiet.timezone !== undefined && !isTimeZone(quiet.timezone)) report('limits.quiet_hours.timezone', `must be an IANA time zone like Asia/Seoul or America/New_York ("${quiet.timezone}" is not known)`);
  }

  const cel = (path: string, source: string | undefined, extra: readonly CelExtraVariable[], condition = true) => {
    if (source === undefined) return;
    try { if (condition) compileCondition(source, extra); else compileExpression(source, extra); } catch (error) {
      report(path, error instanceof CelCompileError ? error.message : String(error));
    }
  };
  const extra: CelExtraVariable[] = [];
  if (thresholds.length) extra.push('window');
  if (when.after) extra.push('steps');
  if (when.change) extra.push('change');
  cel('when.where', when.where, extra);
  if (when.sum) cel('when.sum.of', when.sum.of, [], false);
  if (when.distinct) cel('when.distinct.of', when.distinct.of, [], false);
  steps.forEach((s, i) => cel(`${stepPath(i)}.where`, s.where, ['steps']));
  cel('when.unless.where', when.unless?.where, ['trigger']);
  cel('limits.dedupe.key', limits?.dedupe?.key, [], false);
}

/**
 * Goals and guardrails: `goal` or `goals`, not both; bounded windows; names unique per rule (they key the
 * outcomes); `where` and `value` compile and read only `event` and `now` (a goal event is counted without
 * loading its subject's profile). A goal without a holdout is allowed: exposures are then all treatment.
 */
function checkMetrics(doc: RuleDocument, report: (path: string, message: string) => void): void {
  if (doc.goal && doc.goals) report('goals', 'give goal or goals, not both (the first of goals is primary)');
  const names = new Map<string, string>();
  for (const m of ruleMetrics(doc)) {
    const ms = parseDuration(m.spec.within);
    if (ms <= 0) report(`${m.path}.within`, 'must be longer than 0');
    else if (ms > MAX_WINDOW_MS) report(`${m.path}.within`, `must be at most 90d (${m.spec.within} given)`);
    const types = Array.isArray(m.spec.event) ? m.spec.event : [m.spec.event];
    if (types.includes('*')) report(`${m.path}.event`, 'must name event types ("*" would count every event)');
    const seen = names.get(m.name);
    if (seen) report(m.spec.name === undefined ? `${m.path}.event` : `${m.path}.name`, `metric name "${m.name}" is taken by ${seen}; give each metric a distinct name`);
    else names.set(m.name, m.path);
    for (const [key, condition] of [['where', true], ['value', false]] as const) {
      const source = m.spec[key];
      if (source === undefined) continue;
      try { if (condition) compileCondition(source); else compileExpression(source); } catch (error) {
        report(`${m.path}.${key}`, error instanceof CelCompileError ? error.message : String(error));
        continue;
      }
      if (conditionPaths(source).some((p) => p.parts[0] === 'subject')) report(`${m.path}.${key}`, 'may read event and now only (goal events are counted without loading the subject)');
    }
  }
}

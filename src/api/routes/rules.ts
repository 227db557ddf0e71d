// Rules: save (YAML or JSON, each save a new version), read, enable/disable, delete, versions, test.
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { Type } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { validateRule } from '../../engine/rule/validate.ts';
import type { RuleDocument } from '../../engine/rule/schema.ts';
import { formatFieldErrors } from '../../engine/schema-errors.ts';
import { randomBytes } from 'node:crypto';
import { ruleSalt } from '../../engine/holdout/metrics.ts';
import { audit, actorOfRequest, ruleDiff } from './audit.ts';
import { SandboxBusyError, SandboxTaskError, SandboxTimeoutError } from '../../sandbox/sandbox.ts';
import { EventInputSchema } from '../../engine/event.ts';
import { iso, ruleErrorView, ruleView } from '../views.ts';
import { ERRORS, NoContent, documentedOnly } from '../schemas/common.ts';
import { saveWarnings, testCompanions } from '../../explain/save-warnings.ts';
import { Rule, RuleContent, RuleErrors, RuleList, RuleVersion, RuleVersions, RuleWithErrors, SavedRule, TestResult } from '../schemas/rules.ts';

const tags = ['rules'];
const IdParams = Type.Object({ id: Type.String() });
const VersionParams = Type.Object({ id: Type.String(), version: Type.String({ description: 'A version number' }) });
const DryRun = Type.Object({ dry_run: Type.Optional(Type.String({ description: 'true: only validate; nothing is saved' })) });

/** A rule body as YAML text or JSON; validated against the schema, CEL compiled, templates parsed. */
export function parseRuleBody(body: unknown, urlId?: string): { document: RuleDocument; source: string | null } {
  let doc: unknown = body;
  let source: string | null = null;
  if (typeof body === 'string') {
    source = body;
    try { doc = parseYaml(body, { uniqueKeys: true }); } catch (error) { throw new ApiError('IFTHEN_ERR_INVALID_YAML', [(error as Error).message.split('\n')[0]]); }
  }
  if (urlId !== undefined && doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const given = (doc as Record<string, unknown>).id;
    if (given === undefined) doc = { id: urlId, ...(doc as object) };
    else if (given !== urlId) throw new ApiError('IFTHEN_ERR_RULE_ID_MISMATCH', [String(given), urlId]);
  }
  const checked = validateRule(doc);
  if (!checked.ok) throw new ApiError('IFTHEN_ERR_INVALID_RULE', [formatFieldErrors(checked.errors)], checked.errors);
  return { document: checked.rule, source };
}

/**
 * A saved rule's document with the holdout salt in force: none given keeps the current one; a different one is
 * refused (409), since it would re-randomise the groups without the audit.
 */
export function withCurrentSalt(document: RuleDocument, current: string | undefined): RuleDocument {
  const holdout = document.holdout;
  if (!holdout || current === undefined) return document;
  if (holdout.salt === undefined) return current === document.id ? document : { ...document, holdout: { ...holdout, salt: current } };
  if (holdout.salt !== current) {
    throw new ApiError('IFTHEN_ERR_CONFLICT', [`holdout.salt: changing the salt re-randomises the holdout; use POST /v1/rules/${document.id}/holdout/reshuffle with a reason (the current salt is "${current}")`]);
  }
  return document;
}

export const ruleRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  const { rules, history } = deps.stores;
  const find = async (id: string) => {
    const rule = await rules.get(id);
    if (!rule) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${id}"`]);
    return rule;
  };
  const changed = () => deps.pipeline.notify('rules-changed');

  app.get('/v1/rules', { schema: { tags, summary: 'List rules', response: { 200: RuleList, ...ERRORS } } }, async () => ({ items: (await rules.list()).map(ruleView) }));

  app.put<{ Params: { id: string }; Querystring: { dry_run?: string } }>('/v1/rules/:id', {
    schema: {
      tags, summary: 'Create or update a rule (application/yaml or application/json); ?dry_run=true only validates', params: IdParams, querystring: DryRun, body: RuleContent,
      response: { 200: { ...SavedRule, description: 'Updated (or unchanged); with ?dry_run=true: {valid, document}' }, 201: { ...SavedRule, description: 'Created' }, ...ERRORS },
    },
    // The route parses YAML or JSON itself and reports every field problem with its path.
    validatorCompiler: documentedOnly,
  }, async (request, reply) => {
    const parsed = parseRuleBody(request.body, request.params.id);
    const { source } = parsed;
    // The holdout's salt changes only through the audited reshuffle; a document that leaves it out keeps the current one.
    const current = parsed.document.holdout ? await deps.stores.holdouts.current(parsed.document.id) : undefined;
    const document = withCurrentSalt(parsed.document, current);
    // Emit loops and cap-group conflicts are reported, never refused: the emit depth limit stays the run-time guard.
    const warnings = saveWarnings(document, await rules.listEnabled());
    const warned = warnings.length ? { warnings } : {};
    if (request.query.dry_run === 'true') return { valid: true, document, ...warned };
    const previous = await rules.get(document.id);
    // A document without `enabled` keeps the rule's current state: re-applying a file never re-enables a rule someone disabled.
    const { rule, changed: didChange, created } = await rules.put(document, source, deps.now(), document.enabled);
    if (document.holdout && current === undefined) await deps.stores.holdouts.record(document.id, ruleSalt(document), deps.now());
    if (didChange) {
      const before = previous && previous.deletedAt === null ? previous : undefined;
      const detail = before ? `saved version ${rule.version} (was ${before.version})` : `created (version ${rule.version})`;
      await audit(deps, request, 'rule.save', `rule:${rule.id}`, detail, ruleDiff(rule.id, before, rule));
      changed();
    }
    return reply.status(created ? 201 : 200).send({ ...ruleView(rule), changed: didChange, ...warned });
  });

  app.post<{ Params: { id: string }; Body: { reason: string } }>('/v1/rules/:id/holdout/reshuffle', {
    schema: {
      tags, summary: "Re-randomise a rule's holdout: a new salt (a new version of the rule) starts a new experiment; audited with who and why", params: IdParams,
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why the groups are drawn again (kept in the audit)' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ rule: Rule, salt: Type.String(), previous_salt: Type.String(), changed_by: Type.String() }), ...ERRORS },
    },
  }, async (request) => {
    const saved = await find(request.params.id);
    const holdout = saved.document.holdout;
    if (!holdout) throw new ApiError('IFTHEN_ERR_CONFLICT', [`rule "${saved.id}" has no holdout to reshuffle`]);
    const previous = (await deps.stores.holdouts.current(saved.id)) ?? ruleSalt(saved.document);
    const salt = `${saved.id}.${randomBytes(6).toString('hex')}`;
    const by = actorOfRequest(request);
    const now = deps.now();
    // The audit row first, then the document that carries the salt (a new version: the engine assigns from it).
    // Two writes: after a crash between them the next save of the rule takes the audited salt (withCurrentSalt),
    // never an unaudited one.
    await deps.stores.holdouts.record(saved.id, salt, now, by, request.body.reason);
    const { rule } = await rules.put({ ...saved.document, holdout: { ...holdout, salt } }, null, now, saved.enabled);
    await audit(deps, request, 'rule.reshuffle', `rule:${saved.id}`, `holdout reshuffled (salt ${previous} -> ${salt}): ${request.body.reason}`);
    changed();
    return { rule: ruleView(rule), salt, previous_salt: previous, changed_by: by };
  });

  app.get<{ Params: { id: string } }>('/v1/rules/:id', { schema: { tags, summary: 'Get a rule, with its latest run-time errors', params: IdParams, response: { 200: RuleWithErrors, ...ERRORS } } }, async (request) => {
    const rule = await find(request.params.id);
    return { ...ruleView(rule), source: rule.source, errors: (await history.ruleErrors(rule.id)).map(ruleErrorView) };
  });

  app.get<{ Params: { id: string } }>('/v1/rules/:id/errors', {
    schema: { tags, summary: 'The newest run-time errors of a rule (a condition that read a missing property or compared a number with a string, a template over its budget…)', params: IdParams, response: { 200: RuleErrors, ...ERRORS } },
  }, async (request) => {
    await find(request.params.id);
    return { items: (await history.ruleErrors(request.params.id)).map(ruleErrorView) };
  });

  app.delete<{ Params: { id: string } }>('/v1/rules/:id', { schema: { tags, summary: 'Delete a rule (its versions and history are kept)', params: IdParams, response: { 204: NoContent, ...ERRORS } } }, async (request, reply) => {
    if (!(await rules.delete(request.params.id, deps.now()))) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${request.params.id}"`]);
    await audit(deps, request, 'rule.delete', `rule:${request.params.id}`, 'deleted (versions and history kept)');
    changed();
    return reply.status(204).send();
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/rules/:id/${action}`, { schema: { tags, summary: `${action[0].toUpperCase()}${action.slice(1)} a rule`, params: IdParams, response: { 200: Rule, ...ERRORS } } }, async (request) => {
      const rule = await rules.setEnabled(request.params.id, action === 'enable', deps.now());
      if (!rule) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${request.params.id}"`]);
      await audit(deps, request, `rule.${action}`, `rule:${rule.id}`, `${action}d (version ${rule.version})`);
      changed();
      return ruleView(rule);
    });
  }

  app.get<{ Params: { id: string } }>('/v1/rules/:id/versions', { schema: { tags, summary: 'All versions of a rule, newest first', params: IdParams, response: { 200: RuleVersions, ...ERRORS } } }, async (request) => {
    const versions = await rules.versions(request.params.id);
    if (!versions.length) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no rule "${request.params.id}"`]);
    return { items: versions.map((v) => ({ version: v.version, createdAt: iso(v.createdAt), document: v.document })) };
  });

  app.get<{ Params: { id: string; version: string } }>('/v1/rules/:id/versions/:version', { schema: { tags, summary: 'One version of a rule', params: VersionParams, response: { 200: RuleVersion, ...ERRORS } } }, async (request) => {
    const v = await rules.version(request.params.id, Number(request.params.version));
    if (!v) throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no version ${request.params.version} of rule "${request.params.id}"`]);
    return { version: v.version, createdAt: iso(v.createdAt), document: v.document, source: v.source };
  });

  app.post<{ Params: { id: string }; Body: { event: unknown; events?: unknown[]; subject?: Record<string, unknown>; attributes?: Record<string, unknown>; rule?: unknown } }>('/v1/rules/:id/test', {
    schema: {
      tags, summary: 'Test a rule on one event, after the subject\'s earlier events if given: fired or not, each condition with the values it saw, window values, timers waiting, suppressions, and what each action would do (nothing is stored or sent)', params: IdParams,
      body: Type.Object({
        event: EventInputSchema,
        events: Type.Optional(Type.Array(EventInputSchema, { maxItems: 1000, description: "The subject's earlier events, oldest first, replayed before the event (each as if it arrived at its `time`): windows, sequences, absences, caps" })),
        attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Subject attributes to start from; default: the stored profile (the same as `subject`)' })),
        subject: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Subject attributes to use; default: the stored profile' })),
        rule: Type.Optional(Type.Unknown({ description: 'An unsaved rule document to test instead of the saved one' })),
      }),
      response: { 200: TestResult, ...ERRORS },
    },
  }, async (request) => {
    const body = request.body;
    const saved = body.rule === undefined ? await find(request.params.id) : undefined;
    const document = saved ? saved.document : parseRuleBody(body.rule, request.params.id).document;
    const stored = await history.subject(String((body.event as { subject?: unknown }).subject ?? ''));
    const input = {
      document, version: saved?.version ?? 0, event: body.event, events: body.events, companions: testCompanions(document, await rules.listEnabled()),
      attributes: body.attributes ?? body.subject ?? stored?.attributes ?? {}, now: deps.now(), memory: deps.config.memory,
      limits: deps.config.limits, secretNames: (await deps.stores.secrets.list()).map((s) => s.name), maxEmitDepth: deps.config.engine.maxEmitDepth,
      condition: deps.config.condition,
      render: deps.config.render,
      ...(deps.config.globalControl ? { globalControl: deps.config.globalControl } : {}),
    };
    try {
      return await deps.sandbox.run({ kind: 'test-rule', input });
    } catch (error) {
      if (error instanceof SandboxTaskError && error.errorName === 'InvalidTestEventError') throw new ApiError('IFTHEN_ERR_INVALID_EVENT', [error.message]);
      if (error instanceof SandboxTimeoutError) throw new ApiError('IFTHEN_ERR_EVALUATION_TOO_SLOW', [error.message]);
      if (error instanceof SandboxBusyError) throw new ApiError('IFTHEN_ERR_OVERLOADED', [error.message]);
      throw error;
    }
  });
});

// The audit log (issue 8): who changed which rule, key or user, and sign-ins. Routes record through `audit()`;
// GET /v1/audit reads it (admins everything, editors the rules' entries).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { iso } from '../views.ts';
import { ERRORS } from '../schemas/common.ts';
import { AuditList, AuditQuery } from '../schemas/users.ts';
import type { AuditEntry, RuleVersionRecord } from '../../store/catalog.ts';

/** Who made the request, as the audit names them. */
export const actorOfRequest = (request: FastifyRequest): string => request.principal?.actor ?? 'unknown';

export async function audit(deps: ApiDeps, request: FastifyRequest, action: string, target: string, detail: string, diff: string | null = null): Promise<void> {
  await deps.stores.audit.record({ at: deps.now(), actor: actorOfRequest(request), action, target, detail, diff });
}

/** A rule version as text: its YAML source as written, else its document as YAML. */
const ruleText = (v: Pick<RuleVersionRecord, 'document' | 'source'> | undefined, bothHaveSource: boolean): string =>
  v === undefined ? '' : bothHaveSource && v.source !== null ? v.source : stringify(v.document);

/**
 * A unified diff of a rule save: the sources when both versions were sent as YAML (comments and order as the
 * person wrote them), else the documents as YAML.
 */
export function ruleDiff(id: string, before: RuleVersionRecord | undefined, after: RuleVersionRecord): string {
  const bothHaveSource = after.source !== null && (before === undefined || before.source !== null);
  return createTwoFilesPatch(
    before ? `rule:${id} v${before.version}` : '/dev/null', `rule:${id} v${after.version}`,
    ruleText(before, bothHaveSource), ruleText(after, bothHaveSource), undefined, undefined, { context: 3 },
  );
}

const view = (e: AuditEntry) => ({ id: e.id, at: iso(e.at), actor: e.actor, action: e.action, target: e.target, detail: e.detail, diff: e.diff });

export const auditRoutes = (deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  app.get<{ Querystring: { target?: string; actor?: string; before?: string; limit?: string } }>('/v1/audit', {
    schema: { tags: ['admin'], summary: 'The audit log, newest first: who changed which rule, key or user, and sign-ins (editors: the rules\' entries only)', querystring: AuditQuery, response: { 200: AuditList, ...ERRORS } },
  }, async (request) => {
    const { target, actor, before } = request.query;
    const limit = request.query.limit === undefined ? 100 : Number(request.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['limit: must be an integer from 1 to 500']);
    let beforeId: number | undefined;
    let beforeAt: number | undefined;
    if (before !== undefined) {
      if (/^\d+$/.test(before)) beforeId = Number(before);
      else if (Number.isFinite(Date.parse(before))) beforeAt = Date.parse(before);
      else throw new ApiError('IFTHEN_ERR_INVALID_QUERY', ['before: an entry id (a page\'s `next`) or an ISO 8601 time']);
    }
    // Editors read what was done to rules, never who changed users or keys.
    const role = request.principal?.role;
    let scope = target;
    if (role !== 'admin') {
      if (target !== undefined && !target.startsWith('rule:')) throw new ApiError('IFTHEN_ERR_FORBIDDEN', [`your role (${role}) can read only the rules' entries of the audit log (target=rule:…): ask an admin`]);
      scope = target ?? 'rule:';
    }
    const items = await deps.stores.audit.list({ target: scope, actor, beforeId, beforeAt, limit: limit + 1 });
    const page = items.slice(0, limit).map(view);
    return items.length > limit ? { items: page, next: String(page[page.length - 1].id) } : { items: page };
  });
});

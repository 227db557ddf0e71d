// How records look in API answers: ISO 8601 times, the API's own field names, pages with `next`.
import type { RuleRecord } from '../store/catalog.ts';
import type { AttemptView, DeliveryRecord, FiringRecord, Page, SubjectRecord } from '../store/history.ts';
import type { EventFailure, PositionedEvent, RuleError } from '../store/contracts.ts';

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

export function pageView<T, U>(page: Page<T>, view: (item: T) => U): { items: U[]; next?: string } {
  return page.next === undefined ? { items: page.items.map(view) } : { items: page.items.map(view), next: page.next };
}

export function ruleView(rule: RuleRecord) {
  return { id: rule.id, version: rule.version, enabled: rule.enabled, createdAt: iso(rule.createdAt), updatedAt: iso(rule.updatedAt), document: rule.document };
}

export function firingView(f: FiringRecord) {
  return { id: f.id, rule: f.ruleId, version: f.ruleVersion, subject: f.subject, eventIds: f.eventIds, group: f.group, time: iso(f.time), trace: f.trace };
}

export function deliveryView(d: DeliveryRecord) {
  return {
    id: d.id, firingId: d.firingId, rule: d.ruleId, subject: d.subject, actionIndex: d.actionIndex, kind: d.kind, destination: d.destination,
    status: d.status, attempts: d.attempts, lastError: d.lastError, createdAt: iso(d.createdAt),
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null, deliveredAt: isoOrNull(d.deliveredAt),
  };
}

export function attemptView(a: AttemptView) {
  return { attempt: a.attempt, startedAt: iso(a.startedAt), latencyMs: a.latencyMs, statusCode: a.statusCode, error: a.error, response: a.response, request: a.request };
}

export function eventView(e: PositionedEvent) {
  return {
    position: e.cursor, id: e.id, type: e.type, subject: e.subject, time: iso(e.time), receivedAt: iso(e.receivedAt),
    properties: e.properties, ...(e.causationId ? { causationId: e.causationId } : {}), depth: e.depth,
  };
}

export function subjectView(s: SubjectRecord) {
  return { id: s.id, attributes: { ...s.attributes }, updatedAt: iso(s.updatedAt) };
}

export function failureView(f: EventFailure) {
  return { eventId: f.eventId, partition: f.partition, position: f.cursor || null, stage: f.stage, error: f.error, at: iso(f.at) };
}

export function ruleErrorView(e: RuleError) {
  return { eventId: e.eventId, message: e.message, at: iso(e.at) };
}

// Read side of the run history: firings, deliveries with attempts, events and subjects, newest first, paged by cursor.
import type { SqliteDatabase } from './sqlite-database.ts';
import { rowToDelivery, type DeliveryRow } from './sqlite-outbox.ts';
import { rowToEvent } from './sqlite-event-log.ts';
import { parseAttributes } from './sqlite-pipeline-store.ts';

export interface Page<T> {
  readonly items: T[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  readonly next?: string;
}

export interface HistoryFilter {
  readonly rule?: string;
  readonly subject?: string;
  readonly status?: string;
  readonly type?: string;
  readonly cursor?: string;
  readonly limit: number;
}

const STATUSES = new Set(['pending', 'delivering', 'delivered', 'dead']);

function page<T extends { seq: number }, U>(rows: T[], limit: number, map: (row: T) => U): Page<U> {
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items: items.map(map), next: String(items[items.length - 1].seq) } : { items: items.map(map) };
}

function where(filter: HistoryFilter, columns: Partial<Record<'rule' | 'subject' | 'status' | 'type', string>>): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  for (const key of ['rule', 'subject', 'status', 'type'] as const) {
    const column = columns[key];
    if (!column || filter[key] === undefined) continue;
    // A status is written into the SQL (from a fixed list) so that SQLite can use its partial index.
    if (key === 'status' && STATUSES.has(filter.status!)) parts.push(`${column} = '${filter.status}'`);
    else { parts.push(`${column} = ?`); args.push(filter[key]); }
  }
  if (filter.cursor !== undefined) { parts.push('seq < ?'); args.push(Number(filter.cursor)); }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

interface FiringRow { seq: number; id: string; rule_id: string; rule_version: number; subject: string; event_ids: string; grp: string; trace: string; time: number }
const toFiring = (r: FiringRow) => ({
  id: r.id, rule: r.rule_id, version: r.rule_version, subject: r.subject, eventIds: JSON.parse(r.event_ids) as string[],
  group: r.grp, time: new Date(r.time).toISOString(), trace: JSON.parse(r.trace),
});

interface AttemptRow { attempt: number; started_at: number; latency_ms: number; status_code: number | null; error: string | null; response: string | null }
const toAttempt = (a: AttemptRow) => ({
  attempt: a.attempt, startedAt: new Date(a.started_at).toISOString(), latencyMs: a.latency_ms, statusCode: a.status_code, error: a.error, response: a.response,
});

function toDeliveryView(row: DeliveryRow & { seq: number }) {
  const d = rowToDelivery(row);
  return {
    id: d.id, firingId: d.firingId, rule: d.ruleId, subject: d.subject, actionIndex: d.actionIndex, kind: d.kind, destination: d.destination,
    status: d.status, attempts: d.attempts, lastError: d.lastError, createdAt: new Date(d.createdAt).toISOString(),
    nextAttemptAt: d.status === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
    deliveredAt: d.deliveredAt ? new Date(d.deliveredAt).toISOString() : null,
  };
}

export class SqliteHistory {
  constructor(private readonly db: SqliteDatabase) {}

  firings(filter: HistoryFilter) {
    const w = where(filter, { rule: 'rule_id', subject: 'subject' });
    const rows = this.db.prepare(`SELECT * FROM firings ${w.sql} ORDER BY seq DESC LIMIT ?`).all(...w.args, filter.limit + 1) as FiringRow[];
    return page(rows, filter.limit, toFiring);
  }

  firing(id: string) {
    const row = this.db.prepare('SELECT * FROM firings WHERE id = ?').get(id) as FiringRow | undefined;
    if (!row) return undefined;
    // Delivery ids are `<firing id>.<action index>`: a range of the unique id index, no index of its own.
    const deliveries = (this.db.prepare('SELECT * FROM deliveries WHERE id > ? AND id < ? ORDER BY action_index').all(`${id}.`, `${id}/`) as (DeliveryRow & { seq: number })[]).map(toDeliveryView);
    return { ...toFiring(row), deliveries };
  }

  deliveries(filter: HistoryFilter) {
    const w = where(filter, { rule: 'rule_id', subject: 'subject', status: 'status' });
    const rows = this.db.prepare(`SELECT * FROM deliveries ${w.sql} ORDER BY seq DESC LIMIT ?`).all(...w.args, filter.limit + 1) as (DeliveryRow & { seq: number })[];
    return page(rows, filter.limit, toDeliveryView);
  }

  delivery(id: string) {
    const row = this.db.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as (DeliveryRow & { seq: number }) | undefined;
    if (!row) return undefined;
    const attempts = (this.db.prepare('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt').all(id) as AttemptRow[]).map(toAttempt);
    return { ...toDeliveryView(row), attempts };
  }

  events(filter: HistoryFilter) {
    const w = where(filter, { subject: 'subject', type: 'type' });
    const rows = this.db.prepare(`SELECT * FROM events ${w.sql} ORDER BY seq DESC LIMIT ?`).all(...w.args, filter.limit + 1) as Parameters<typeof rowToEvent>[0][];
    return page(rows, filter.limit, (r) => eventView(rowToEvent(r)));
  }

  event(id: string) {
    const row = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Parameters<typeof rowToEvent>[0] | undefined;
    return row && eventView(rowToEvent(row));
  }

  subject(id: string) {
    const row = this.db.prepare('SELECT attributes, updated_at FROM subjects WHERE id = ?').get(id) as { attributes: string; updated_at: number } | undefined;
    return row && { id, attributes: { ...parseAttributes(row.attributes) }, updatedAt: new Date(row.updated_at).toISOString() };
  }
}

function eventView(e: ReturnType<typeof rowToEvent>) {
  return {
    seq: e.seq, id: e.id, type: e.type, subject: e.subject, time: new Date(e.time).toISOString(), receivedAt: new Date(e.receivedAt).toISOString(),
    properties: e.properties, ...(e.causationId ? { causationId: e.causationId } : {}), depth: e.depth,
  };
}

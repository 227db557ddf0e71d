// Read side of the run history in SQLite: newest first, paged by `seq` (the page key is its decimal text).
import type { EventFailure, RuleError } from '../contracts.ts';
import type { AttemptView, DeliveryRecord, FiringRecord, HistoryQuery, HistoryStore, Page, SubjectRecord } from '../history.ts';
import type { SqliteDatabase } from './sqlite-database.ts';
import { rowToDelivery, type DeliveryRow } from './sqlite-outbox.ts';
import { rowToEvent, type EventRow } from './sqlite-event-log.ts';
import { parseAttributes } from './sqlite-pipeline-store.ts';
import { oldestRetainedReader } from './sqlite-oldest.ts';
import { SqliteSubjectTimeline } from './sqlite-subject-timeline.ts';

const STATUSES = new Set(['pending', 'delivering', 'delivered', 'dead']);

function page<T extends { seq: number }, U>(rows: T[], limit: number, map: (row: T) => U): Page<U> {
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items: items.map(map), next: String(items[items.length - 1].seq) } : { items: items.map(map) };
}

function where(query: HistoryQuery, columns: Partial<Record<'rule' | 'subject' | 'status' | 'type', string>>): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  for (const key of ['rule', 'subject', 'status', 'type'] as const) {
    const column = columns[key];
    if (!column || query[key] === undefined) continue;
    // A status is written into the SQL (from a fixed list) so that SQLite can use its partial index.
    if (key === 'status' && STATUSES.has(query.status!)) parts.push(`${column} = '${query.status}'`);
    else { parts.push(`${column} = ?`); args.push(query[key]); }
  }
  if (query.before !== undefined) {
    const seq = Number(query.before);
    if (!Number.isSafeInteger(seq)) throw new Error(`not a page key of this store: "${query.before}"`);
    parts.push('seq < ?');
    args.push(seq);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

interface FiringRow { seq: number; id: string; rule_id: string; rule_version: number; subject: string; event_ids: string; grp: string; trace: string; time: number }
const toFiring = (r: FiringRow): FiringRecord => ({
  id: r.id, ruleId: r.rule_id, ruleVersion: r.rule_version, subject: r.subject, eventIds: JSON.parse(r.event_ids) as string[],
  group: r.grp, time: r.time, trace: JSON.parse(r.trace),
});

interface AttemptRow { attempt: number; started_at: number; latency_ms: number; status_code: number | null; error: string | null; response: string | null; request: string | null }
const toAttempt = (a: AttemptRow): AttemptView => ({
  attempt: a.attempt, startedAt: a.started_at, latencyMs: a.latency_ms, statusCode: a.status_code, error: a.error, response: a.response,
  request: a.request ? JSON.parse(a.request) : null,
});

function toDeliveryRecord(row: DeliveryRow): DeliveryRecord {
  const { spec: _spec, context: _context, policy: _policy, ...record } = rowToDelivery(row);
  return record;
}

interface FailureRow { seq: number; event_id: string; partition: number; cursor: string; stage: EventFailure['stage']; error: string; at: number }

export class SqliteHistory implements HistoryStore {
  readonly #oldest;
  /** A subject's events are read from the subject timeline, not by scanning the log (issue 6). */
  readonly #timeline;

  constructor(private readonly db: SqliteDatabase) {
    this.#oldest = oldestRetainedReader(db);
    this.#timeline = new SqliteSubjectTimeline(db);
  }

  async oldest() {
    return this.#oldest();
  }

  async firings(query: HistoryQuery): Promise<Page<FiringRecord>> {
    const w = where(query, { rule: 'rule_id', subject: 'subject' });
    const rows = this.db.prepare(`SELECT * FROM firings ${w.sql} ORDER BY seq DESC LIMIT ?`).all(...w.args, query.limit + 1) as FiringRow[];
    return page(rows, query.limit, toFiring);
  }

  async firing(id: string) {
    const row = this.db.prepare('SELECT * FROM firings WHERE id = ?').get(id) as FiringRow | undefined;
    if (!row) return undefined;
    // Delivery ids are `<firing id>.<action index>`: a range of the unique id index, no index of its own.
    const deliveries = (this.db.prepare('SELECT * FROM deliveries WHERE id > ? AND id < ? ORDER BY action_index').all(`${id}.`, `${id}/`) as DeliveryRow[]).map(toDeliveryRecord);
    return { ...toFiring(row), deliveries };
  }

  async deliveries(query: HistoryQuery): Promise<Page<DeliveryRecord>> {
    const w = where(query, { rule: 'rule_id', subject: 'subject', status: 'status' });
    const rows = this.db.prepare(`SELECT * FROM deliveries ${w.sql} ORDER BY seq DESC LIMIT ?`).all(...w.args, query.limit + 1) as (DeliveryRow & { seq: number })[];
    return page(rows, query.limit, toDeliveryRecord);
  }

  async delivery(id: string) {
    const row = this.db.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    if (!row) return undefined;
    const attemptLog = (this.db.prepare('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt').all(id) as AttemptRow[]).map(toAttempt);
    return { ...toDeliveryRecord(row), attemptLog };
  }

  async events(query: HistoryQuery) {
    if (query.subject !== undefined) {
      const { cost: _cost, ...page } = this.#timeline.events({ subject: query.subject, type: query.type, before: query.before === undefined ? undefined : Number(query.before), limit: query.limit });
      return page;
    }
    const w = where(query, { subject: 'subject', type: 'type' });
    const rows = this.db.prepare(`SELECT * FROM events ${w.sql} ORDER BY seq DESC LIMIT ?`).all(...w.args, query.limit + 1) as EventRow[];
    return page(rows, query.limit, rowToEvent);
  }

  async subject(id: string): Promise<SubjectRecord | undefined> {
    const row = this.db.prepare('SELECT attributes, updated_at FROM subjects WHERE id = ?').get(id) as { attributes: string; updated_at: number } | undefined;
    return row && { id, attributes: parseAttributes(row.attributes), updatedAt: row.updated_at };
  }

  async eventFailures(query: HistoryQuery): Promise<Page<EventFailure>> {
    const w = where(query, {});
    const rows = this.db.prepare(`SELECT * FROM event_failures ${w.sql} ORDER BY seq DESC LIMIT ?`).all(...w.args, query.limit + 1) as FailureRow[];
    return page(rows, query.limit, (r) => ({ eventId: r.event_id, partition: r.partition, cursor: r.cursor, stage: r.stage, error: r.error, at: r.at }));
  }

  async ruleErrors(ruleId: string): Promise<RuleError[]> {
    const rows = this.db.prepare('SELECT rule_id, event_id, message, at FROM rule_errors WHERE rule_id = ? ORDER BY seq DESC LIMIT 20').all(ruleId) as { rule_id: string; event_id: string; message: string; at: number }[];
    return rows.map((r) => ({ ruleId: r.rule_id, eventId: r.event_id, message: r.message, at: r.at }));
  }
}

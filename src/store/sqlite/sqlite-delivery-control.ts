// What a person may do to deliveries in SQLite: replay the dead (and see what that would do first), retry a
// waiting one now, resend a delivered one.
import type { DeliveryControl, ReplayFilter, ReplayPreview } from '../contracts.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/** A fresh run of attempts: the attempt limit and the age limit count again from now. */
const FRESH_RUN = "status = 'pending', attempt_base = attempts, window_started_at = ?, next_attempt_at = ?, lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = ?";

/** The dead deliveries a filter selects, as a WHERE clause over `deliveries` (aliased `d`) and its arguments. */
function deadWhere(filter: ReplayFilter): { sql: string; args: unknown[] } {
  const where = ["d.status = 'dead'"];
  const args: unknown[] = [];
  if (filter.id) { where.push('d.id = ?'); args.push(filter.id); }
  if (filter.ids) { where.push(`d.id IN (SELECT value FROM json_each(?))`); args.push(JSON.stringify(filter.ids)); }
  if (filter.ruleId) { where.push('d.rule_id = ?'); args.push(filter.ruleId); }
  if (filter.from !== undefined) { where.push('d.created_at >= ?'); args.push(filter.from); }
  if (filter.to !== undefined) { where.push('d.created_at < ?'); args.push(filter.to); }
  return { sql: where.join(' AND '), args };
}

export class SqliteDeliveryControl implements DeliveryControl {
  constructor(private readonly db: SqliteDatabase) {}

  async replay(filter: ReplayFilter, now: number): Promise<number> {
    const { sql, args } = deadWhere(filter);
    return this.db.prepare(`UPDATE deliveries AS d SET ${FRESH_RUN} WHERE ${sql}`).run(now, now, now, ...args).changes;
  }

  async previewReplay(filter: ReplayFilter): Promise<ReplayPreview> {
    const { sql, args } = deadWhere(filter);
    const totals = this.db.prepare(`SELECT count(*) AS count, min(d.created_at) AS oldest, max(d.created_at) AS newest,
      sum(EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.status_code BETWEEN 200 AND 299)) AS answered
      FROM deliveries d WHERE ${sql}`).get(...args) as { count: number; oldest: number | null; newest: number | null; answered: number | null };
    const destinations = this.db.prepare(`SELECT d.destination, d.kind, count(*) AS count FROM deliveries d WHERE ${sql}
      GROUP BY d.destination, d.kind ORDER BY count DESC, d.destination`).all(...args) as { destination: string; kind: string; count: number }[];
    const rules = this.db.prepare(`SELECT d.rule_id AS ruleId, count(*) AS count, json_group_array(DISTINCT f.rule_version) AS versions
      FROM deliveries d LEFT JOIN firings f ON f.id = d.firing_id WHERE ${sql} GROUP BY d.rule_id ORDER BY count DESC, d.rule_id`).all(...args) as { ruleId: string; count: number; versions: string }[];
    return {
      count: totals.count, oldest: totals.oldest, newest: totals.newest, answered2xx: totals.answered ?? 0, destinations,
      rules: rules.map((r) => ({ ruleId: r.ruleId, count: r.count, versions: (JSON.parse(r.versions) as (number | null)[]).filter((v): v is number => v !== null).sort((a, b) => a - b) })),
    };
  }

  async retryNow(id: string, now: number): Promise<boolean> {
    return this.db.prepare("UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'").run(now, now, id).changes > 0;
  }

  async resend(id: string, now: number): Promise<boolean> {
    return this.db.prepare(`UPDATE deliveries SET ${FRESH_RUN} WHERE id = ? AND status = 'delivered'`).run(now, now, now, id).changes > 0;
  }
}

// What a person may do to deliveries in SQLite: replay the dead, retry a waiting one now, resend a delivered one.
import type { DeliveryControl, ReplayFilter } from '../contracts.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/** A fresh run of attempts: the attempt limit and the age limit count again from now. */
const FRESH_RUN = "status = 'pending', attempt_base = attempts, window_started_at = ?, next_attempt_at = ?, lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = ?";

export class SqliteDeliveryControl implements DeliveryControl {
  constructor(private readonly db: SqliteDatabase) {}

  async replay(filter: ReplayFilter, now: number): Promise<number> {
    const where = ["status = 'dead'"];
    const args: unknown[] = [];
    if (filter.id) { where.push('id = ?'); args.push(filter.id); }
    if (filter.ruleId) { where.push('rule_id = ?'); args.push(filter.ruleId); }
    if (filter.from !== undefined) { where.push('created_at >= ?'); args.push(filter.from); }
    if (filter.to !== undefined) { where.push('created_at < ?'); args.push(filter.to); }
    return this.db.prepare(`UPDATE deliveries SET ${FRESH_RUN} WHERE ${where.join(' AND ')}`).run(now, now, now, ...args).changes;
  }

  async retryNow(id: string, now: number): Promise<boolean> {
    return this.db.prepare("UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'").run(now, now, id).changes > 0;
  }

  async resend(id: string, now: number): Promise<boolean> {
    return this.db.prepare(`UPDATE deliveries SET ${FRESH_RUN} WHERE id = ? AND status = 'delivered'`).run(now, now, now, id).changes > 0;
  }
}

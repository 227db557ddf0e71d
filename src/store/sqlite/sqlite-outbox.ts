// The outbox in SQLite: dispatchers lease due rows (owner + token), record attempts under their lease,
// and take back leases that expired; a lease that was taken back makes a late outcome stale.
import { randomBytes } from 'node:crypto';
import type { AttemptRecord, ClaimRequest, Delivery, DeliveryStatus, LeasedDelivery, OutboxStore } from '../contracts.ts';
import { writeTransaction, type SqliteDatabase } from './sqlite-database.ts';

export interface DeliveryRow {
  id: string; firing_id: string; rule_id: string; subject: string; action_index: number; kind: string; destination: string;
  spec: string; context: string; policy: string; status: string; attempts: number; attempt_base: number; created_at: number;
  window_started_at: number; next_attempt_at: number; last_error: string | null; delivered_at: number | null;
  lease_owner: string | null; lease_token: string | null; lease_until: number | null;
}

export function rowToDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id, firingId: row.firing_id, ruleId: row.rule_id, subject: row.subject, actionIndex: row.action_index,
    kind: row.kind as Delivery['kind'], destination: row.destination, spec: JSON.parse(row.spec), context: JSON.parse(row.context),
    policy: JSON.parse(row.policy), status: row.status as DeliveryStatus, attempts: row.attempts,
    attemptsSinceReplay: row.attempts - row.attempt_base, createdAt: row.created_at, windowStartedAt: row.window_started_at,
    nextAttemptAt: row.next_attempt_at, lastError: row.last_error, deliveredAt: row.delivered_at,
  };
}

export function newLeaseToken(): string {
  return randomBytes(9).toString('base64url');
}

export class SqliteOutbox implements OutboxStore {
  readonly #insertAttempt;
  readonly #replaceAttempt;
  readonly #delivered;
  readonly #retry;
  readonly #dead;
  readonly #pendingDestinations;
  readonly #dueFor;
  readonly #lease;

  constructor(private readonly db: SqliteDatabase) {
    // A loose index scan: one seek per distinct destination instead of a pass over every pending row.
    this.#pendingDestinations = db.prepare(`WITH RECURSIVE d(destination) AS (
        SELECT MIN(destination) FROM deliveries WHERE status = 'pending'
        UNION ALL
        SELECT (SELECT MIN(destination) FROM deliveries WHERE status = 'pending' AND destination > d.destination) FROM d WHERE d.destination IS NOT NULL
      ) SELECT destination FROM d WHERE destination IS NOT NULL`).pluck();
    this.#dueFor = db.prepare("SELECT * FROM deliveries WHERE status = 'pending' AND destination = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?");
    this.#lease = db.prepare("UPDATE deliveries SET status = 'delivering', lease_owner = ?, lease_token = ?, lease_until = ?, updated_at = ? WHERE id = ?");
    // A stale outcome (its lease taken back and maybe given to another dispatcher) may carry the same attempt
    // number as the applied one: it is kept only if that number is free, and the applied outcome replaces it.
    const attemptColumns = 'INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, error, response, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
    this.#insertAttempt = db.prepare(`INSERT OR IGNORE ${attemptColumns}`);
    this.#replaceAttempt = db.prepare(`INSERT OR REPLACE ${attemptColumns}`);
    const held = "WHERE id = ? AND status = 'delivering' AND lease_token = ?";
    const free = 'lease_owner = NULL, lease_token = NULL, lease_until = NULL';
    this.#delivered = db.prepare(`UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL, ${free}, updated_at = ? ${held}`);
    this.#retry = db.prepare(`UPDATE deliveries SET status = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, ${free}, updated_at = ? ${held}`);
    this.#dead = db.prepare(`UPDATE deliveries SET status = 'dead', attempts = ?, last_error = ?, ${free}, updated_at = ? ${held}`);
  }

  /**
   * Walks the destinations that have pending rows (an index seek each, so a large backlog for a busy
   * destination costs nothing) and leases each free destination's earliest due rows, sharing `limit`.
   */
  async claim(request: ClaimRequest): Promise<LeasedDelivery[]> {
    return this.claimSync(request);
  }

  claimSync({ owner, now, limit, busyDestinations, leaseMs }: ClaimRequest): LeasedDelivery[] {
    if (limit <= 0) return [];
    const busy = new Set(busyDestinations);
    const lease = { owner, token: newLeaseToken(), until: now + leaseMs };
    return writeTransaction(this.db, () => {
      const destinations = (this.#pendingDestinations.all() as string[]).filter((d) => !busy.has(d));
      const rows: DeliveryRow[] = [];
      const share = Math.max(1, Math.ceil(limit / Math.max(1, destinations.length)));
      for (const destination of destinations) {
        if (rows.length >= limit) break;
        rows.push(...(this.#dueFor.all(destination, now, Math.min(share, limit - rows.length)) as DeliveryRow[]));
      }
      for (const row of rows) this.#lease.run(lease.owner, lease.token, lease.until, now, row.id);
      return rows.map((row) => ({ ...rowToDelivery(row), status: 'delivering' as const, lease }));
    });
  }

  async record(attempts: readonly AttemptRecord[]): Promise<{ stale: string[] }> {
    const stale: string[] = [];
    if (!attempts.length) return { stale };
    writeTransaction(this.db, () => {
      for (const a of attempts) {
        const error = a.error ?? (a.statusCode !== null && a.outcome !== 'delivered' ? `HTTP ${a.statusCode}` : null);
        const at = a.startedAt + Math.round(a.latencyMs);
        const applied = a.outcome === 'delivered' ? this.#delivered.run(a.attempt, at, at, a.deliveryId, a.leaseToken)
          : a.outcome === 'retry' ? this.#retry.run(a.attempt, a.nextAttemptAt ?? at, error, at, a.deliveryId, a.leaseToken)
            : this.#dead.run(a.attempt, error, at, a.deliveryId, a.leaseToken);
        if (!applied.changes) stale.push(a.deliveryId);
        (applied.changes ? this.#replaceAttempt : this.#insertAttempt).run(a.deliveryId, a.attempt, a.startedAt, a.latencyMs, a.statusCode, a.error, a.response, a.request ? JSON.stringify(a.request) : null);
      }
    });
    return { stale };
  }

  async reclaimExpired(now: number): Promise<number> {
    return this.db.prepare("UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = ? WHERE status = 'delivering' AND lease_until < ?").run(now, now).changes;
  }

  async release(owner: string, now: number): Promise<number> {
    return this.db.prepare("UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = ? WHERE status = 'delivering' AND lease_owner = ?").run(now, owner).changes;
  }

  async leaseOwners(): Promise<string[]> {
    return this.db.prepare("SELECT DISTINCT lease_owner FROM deliveries WHERE status = 'delivering' AND lease_owner IS NOT NULL").pluck().all() as string[];
  }

  async nextDueAt(): Promise<number | null> {
    return (this.db.prepare("SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'").pluck().get() as number | null) ?? null;
  }

  async counts(): Promise<{ pending: number; delivering: number; dead: number }> {
    // One count per status, each over its own partial index: no pass over delivered history.
    const count = (status: DeliveryStatus) => this.db.prepare(`SELECT COUNT(*) FROM deliveries WHERE status = '${status}'`).pluck().get() as number;
    return { pending: count('pending'), delivering: count('delivering'), dead: count('dead') };
  }
}

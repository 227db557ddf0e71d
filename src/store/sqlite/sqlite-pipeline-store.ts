// The processor's state in SQLite: subjects, firings, outbox rows, emitted events and the log
// position, all written in one transaction so a crash replays from the last committed position.
import type { SubjectState } from '../../engine/types.ts';
import { encodeEvent, type PipelineStore, type ProcessedBatch } from '../contracts.ts';
import { writeTransaction, type SqliteDatabase } from './sqlite-database.ts';
import type { SqliteEventLog } from './sqlite-event-log.ts';
import { deliveryDestination } from '../destination.ts';

export class SqlitePipelineStore implements PipelineStore {
  readonly #position;
  readonly #subject;
  readonly #upsertSubject;
  readonly #insertFiring;
  readonly #insertDelivery;
  readonly #upsertTimer;
  readonly #savePosition;

  constructor(private readonly db: SqliteDatabase, private readonly log: SqliteEventLog) {
    this.#position = db.prepare('SELECT seq FROM positions WHERE consumer = ?').pluck();
    this.#subject = db.prepare('SELECT attributes FROM subjects WHERE id = ?').pluck();
    this.#upsertSubject = db.prepare(
      'INSERT INTO subjects (id, attributes, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, updated_at = excluded.updated_at',
    );
    this.#insertFiring = db.prepare(
      'INSERT OR IGNORE INTO firings (id, rule_id, rule_version, subject, event_ids, grp, trace, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#insertDelivery = db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, firing_id, rule_id, subject, action_index, kind, destination, spec, context, policy, status,
        created_at, window_started_at, next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    );
    this.#upsertTimer = db.prepare(
      'INSERT INTO timers (id, rule_id, subject, due_at, payload) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload',
    );
    this.#savePosition = db.prepare('INSERT INTO positions (consumer, seq) VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq');
  }

  async position(consumer: string): Promise<number> {
    return (this.#position.get(consumer) as number | undefined) ?? 0;
  }

  async loadSubjects(ids: readonly string[]): Promise<Map<string, SubjectState>> {
    const found = new Map<string, SubjectState>();
    for (const id of ids) {
      const json = this.#subject.get(id) as string | undefined;
      if (json !== undefined) found.set(id, { id, attributes: parseAttributes(json) });
    }
    return found;
  }

  async commit(batch: ProcessedBatch): Promise<void> {
    this.commitSync(batch);
  }

  commitSync(batch: ProcessedBatch): void {
    writeTransaction(this.db, () => {
      for (const subject of batch.subjects) this.#upsertSubject.run(subject.id, JSON.stringify(subject.attributes), Date.now());
      for (const f of batch.firings) {
        this.#insertFiring.run(f.id, f.ruleId, f.ruleVersion, f.subject, JSON.stringify(f.eventIds), f.group, JSON.stringify(f.trace), f.time);
        for (const d of f.deliveries) {
          this.#insertDelivery.run(d.id, d.firingId, d.ruleId, d.subject, d.actionIndex, d.kind, deliveryDestination(d.kind, d.spec),
            JSON.stringify(d.spec), JSON.stringify(d.context), JSON.stringify(d.policy), d.createdAt, d.createdAt, d.createdAt, d.createdAt);
        }
      }
      if (batch.emits.length) this.log.insertMany(batch.emits.map(encodeEvent));
      for (const t of batch.timers) this.#upsertTimer.run(t.id, t.ruleId, t.subject, t.dueAt, JSON.stringify(t.payload));
      this.#savePosition.run(batch.consumer, batch.position);
    });
  }
}

/** Stored attributes come back as prototype-less objects: a key named `__proto__` is data. */
export function parseAttributes(json: string): Record<string, unknown> {
  const parsed = JSON.parse(json) as Record<string, unknown>;
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(parsed)) attributes[key] = parsed[key];
  return attributes;
}

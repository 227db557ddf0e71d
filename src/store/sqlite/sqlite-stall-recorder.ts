// The watchdog's records in SQLite (written from the HTTP thread while the stuck thread is being replaced).
import type { StallRecorder } from '../contracts.ts';
import { writeTransaction, type SqliteDatabase } from './sqlite-database.ts';

export class SqliteStallRecorder implements StallRecorder {
  constructor(private readonly db: SqliteDatabase) {}

  async inputStalled(input: Parameters<StallRecorder['inputStalled']>[0], error: string, now: number): Promise<void> {
    writeTransaction(this.db, () => {
      this.db.prepare("INSERT INTO event_failures (event_id, partition, cursor, stage, error, at) VALUES (?, ?, ?, 'stall', ?, ?)")
        .run(input.id, input.partition, input.kind === 'event' ? input.cursor : '', error, now);
      if (input.kind === 'timer') this.db.prepare('DELETE FROM timers WHERE id = ?').run(input.id);
    });
  }

  async deliveryStalled(id: string, error: string, now: number): Promise<void> {
    this.db.prepare("UPDATE deliveries SET status = 'dead', last_error = ?, lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND status IN ('pending', 'delivering')")
      .run(error, now, id);
  }
}

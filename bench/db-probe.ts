// Reads the processor's committed position, the log head and the outbox from the server's SQLite file
// with a read-only connection of the harness (WAL lets it read while the server writes). Unlike
// /readyz, which the busy pipeline thread answers between batches, this does not wait on the server.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { wallNow } from './stats.ts';

export interface Probe { at: number; position: number; head: number; firings: number; pending: number; delivering: number; delivered: number; dead: number }

export class DbProbe {
  readonly #db: Database.Database;
  readonly #position;
  readonly #head;
  readonly #firings;
  readonly #deliveries;

  constructor(dataDir: string) {
    this.#db = new Database(join(dataDir, 'ifthen.db'), { readonly: true, fileMustExist: true });
    this.#db.pragma('busy_timeout = 5000');
    this.#position = this.#db.prepare("SELECT CAST(cursor AS INTEGER) FROM cursors WHERE consumer = 'processor' AND partition = 0").pluck();
    this.#head = this.#db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck();
    this.#firings = this.#db.prepare('SELECT COUNT(*) FROM firings').pluck();
    this.#deliveries = this.#db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status');
  }

  /**
   * Bytes on disk per stored event (the events table and its index) and per firing (the firing, its
   * deliveries and their attempts, with every index), from SQLite's dbstat: pages in use, not the file size.
   */
  diskPerRow(): { perEvent: number; perFiring: number; events: number; firings: number } {
    const bytes: Record<string, number> = {};
    for (const r of this.#db.prepare('SELECT name, SUM(pgsize) AS size FROM dbstat GROUP BY name').all() as Array<{ name: string; size: number }>) bytes[r.name] = r.size;
    const owned = (tables: string[]) => {
      const indexes = this.#db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN (${tables.map(() => '?').join(',')})`).pluck().all(...tables) as string[];
      return [...tables, ...indexes].reduce((sum, name) => sum + (bytes[name] ?? 0), 0);
    };
    const events = this.count('events');
    const firings = this.count('firings');
    return { perEvent: owned(['events']) / events, perFiring: owned(['firings', 'deliveries', 'delivery_attempts']) / firings, events, firings };
  }

  /** Rows of a table (a full count: for the end of a run). */
  count(table: 'subjects' | 'events' | 'firings' | 'deliveries'): number {
    return this.#db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  }

  /** Position and head only (cheap: two indexed lookups). */
  position(): { at: number; position: number; head: number } {
    const read = this.#db.transaction(() => ({ position: (this.#position.get() as number | undefined) ?? 0, head: (this.#head.get() as number | undefined) ?? 0 }));
    return { at: wallNow(), ...read() };
  }

  /** Position, head, firings and deliveries by status (counts the tables: for the end of a run). */
  full(): Probe {
    const read = this.#db.transaction(() => {
      const by: Record<string, number> = {};
      for (const r of this.#deliveries.all() as Array<{ status: string; n: number }>) by[r.status] = r.n;
      return {
        position: (this.#position.get() as number | undefined) ?? 0, head: (this.#head.get() as number | undefined) ?? 0,
        firings: this.#firings.get() as number, pending: by.pending ?? 0, delivering: by.delivering ?? 0, delivered: by.delivered ?? 0, dead: by.dead ?? 0,
      };
    });
    return { at: wallNow(), ...read() };
  }

  close(): void {
    this.#db.close();
  }
}

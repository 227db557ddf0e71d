// The checkpoint thread: copies the WAL back into the database file (and fsyncs it) on its own connection, so
// that no committing thread ever runs a checkpoint inside its COMMIT (SQLite's default: the connection whose
// commit crosses wal_autocheckpoint pays for it). Every connection of the process turns auto-checkpoints off.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ToWorker } from './worker-protocol.ts';
import { reply, send } from './worker-port.ts';

const { dbFile, everyMs } = workerData as { dbFile: string; everyMs: number };
const db = new Database(dbFile);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');

/**
 * Frames (about 128 MiB of 4 KiB pages) past which the WAL is started over even under steady writes. Retention
 * waits from 64 MiB on, so in the usual case the WAL starts over by itself in a pause of ingest and this
 * never holds a writer; it bounds the WAL when writes never pause.
 */
const RESTART_FRAMES = 32_768;
/** A RESTART copies what PASSIVE left (while writers wait): only when that is at most about 16 MiB. */
const RESTART_REMAINDER_FRAMES = 4_096;
/** How long a RESTART checkpoint may wait for the writer before giving up (writers wait for it meanwhile). */
const RESTART_BUSY_MS = 50;

// PASSIVE never waits for readers or writers: it copies what it can. The next commit starts the WAL from its
// beginning again only if the checkpoint copied all of it and no commit came in between; under steady writes
// (ingest, processing and retention without a pause) that never happens, and the WAL grew by tens of MB a
// second. So once the WAL is long and PASSIVE has copied most of it, a RESTART copies the rest and makes
// the next writer start over (the pipeline connection then cuts the file back to its journal_size_limit): it
// holds writers for the frames left and a fsync, and gives up after RESTART_BUSY_MS if it cannot start.
const timer = setInterval(() => {
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (log > RESTART_FRAMES && log - checkpointed < RESTART_REMAINDER_FRAMES) {
      db.pragma(`busy_timeout = ${RESTART_BUSY_MS}`);
      try {
        db.pragma('wal_checkpoint(RESTART)');
      } finally {
        db.pragma('busy_timeout = 5000');
      }
    }
  } catch {
    // busy or I/O trouble: the next tick tries again; the WAL only grows meanwhile.
  }
}, everyMs);

parentPort!.on('message', (message: ToWorker) => {
  if (message.type !== 'stop') return;
  clearInterval(timer);
  db.close();
  reply(message.id, Promise.resolve(null));
});
send({ type: 'ready' });

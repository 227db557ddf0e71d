// The checkpoint thread: copies the WAL back into the database file (and fsyncs it) on its own connection, so
// that no committing thread ever runs a checkpoint inside its COMMIT (SQLite's default: the connection whose
// commit crosses wal_autocheckpoint pays for it). Every connection of the process turns auto-checkpoints off.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ToWorker } from './worker-protocol.ts';
import { reply, send } from './worker-port.ts';

const { dbFile, everyMs, restartBytes } = workerData as { dbFile: string; everyMs: number; restartBytes: number };
const db = new Database(dbFile);
db.pragma('wal_autocheckpoint = 0');
// A WAL that was allowed to start over is cut back to this size (SQLite leaves it at its largest otherwise).
db.pragma(`journal_size_limit = ${restartBytes}`);
const pageSize = db.pragma('page_size', { simple: true }) as number;

interface CheckpointResult { busy: number; log: number; checkpointed: number }

// PASSIVE never waits for readers or writers: it copies what it can, off every committing thread. But the
// WAL only starts over from its beginning when a checkpoint has copied every frame, and under a steady
// stream of commits (every few ms) a PASSIVE pass never catches up: the WAL grew by gigabytes in a soak.
// So once the WAL holds more than `restartBytes`, a RESTART follows the PASSIVE pass: it copies the few
// frames committed meanwhile and makes the next commit write from the start of the file. It holds new
// writers back while it runs, so it waits at most a few ms for readers and otherwise tries again next tick.
const timer = setInterval(() => {
  try {
    db.pragma('busy_timeout = 0');
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    if (passive.log * pageSize < restartBytes) return;
    db.pragma('busy_timeout = 5');
    db.pragma('wal_checkpoint(RESTART)');
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

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

// PASSIVE never waits for readers or writers: it copies what it can. When nobody is reading old frames it
// completes, and the next commit starts the WAL from its beginning again, so the file stays small.
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
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

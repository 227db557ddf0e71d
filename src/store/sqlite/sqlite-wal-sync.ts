// Makes commits durable without blocking the writer: commits are written with synchronous=NORMAL (WAL frames,
// no fsync), then the WAL file is fdatasync'd on libuv's thread pool before anyone is told "stored". fsync
// works per file, not per descriptor, and WAL frames are appended in order, so one fdatasync makes every
// commit written before it durable; commits that arrive while one runs share the next. SQLite's own
// guarantee (NORMAL in WAL mode stays consistent after a power loss, only the newest commits may be lost)
// plus this fsync before the acknowledgement give what synchronous=FULL gives, minus the blocked thread.
import { fdatasync, openSync, closeSync } from 'node:fs';

export class WalSync {
  #fd: number | undefined;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(private readonly walFile: string) {}

  /** Resolves once everything committed before this call is on disk. */
  sync(): Promise<void> {
    if (!this.#running) return this.#start();
    // A running fdatasync may have started before the caller's commit was written: wait for the next one.
    this.#next ??= this.#running.then(() => { this.#next = undefined; return this.#start(); }, () => { this.#next = undefined; return this.#start(); });
    return this.#next;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #start(): Promise<void> {
    // Opened on first use: the -wal file exists once the database has been written in WAL mode. SQLite holds
    // no POSIX lock on it (WAL locks live in the -shm file), so this descriptor cannot disturb SQLite's locks.
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.walFile, 'r+');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return Promise.resolve(); // nothing written yet
        return Promise.reject(error);
      }
    }
    const fd = this.#fd;
    const running = new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    this.#running = running;
    const clear = () => { if (this.#running === running) this.#running = undefined; };
    running.then(clear, clear);
    return running;
  }
}

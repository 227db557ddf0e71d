// The backtest thread: one per backtest, started by BacktestRunner and ended when it answers (or runs out of
// time). It reads the log on its own read-only connection, so the HTTP thread and the pipeline thread (ingest,
// processing) never wait for it; on a machine with few cores it competes for CPU only.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, type BacktestTask } from './tasks.ts';

/** The nice value of this thread: when the CPUs are busy, ingest and processing go first. */
const BACKTEST_NICENESS = 10;

// On Linux a thread has a nice value of its own (by its thread id); elsewhere the backtest runs at normal priority.
try { setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), BACKTEST_NICENESS); } catch { /* not Linux */ }

const port = parentPort!;
try {
  port.postMessage({ result: runTask((workerData as { task: BacktestTask }).task) });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ error: { name: e.constructor.name, message: e.message } });
}

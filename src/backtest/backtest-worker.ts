// The backtest thread: one per backtest, started by BacktestRunner and ended when it answers (or runs out of
// time). It reads the log on its own read-only connection, so the HTTP thread and the pipeline thread (ingest,
// processing) never wait for it; on a machine with few cores it competes for CPU only.
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, type BacktestTask } from './tasks.ts';

const port = parentPort!;
try {
  port.postMessage({ result: runTask((workerData as { task: BacktestTask }).task) });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ error: { name: e.constructor.name, message: e.message } });
}

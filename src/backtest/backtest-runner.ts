// The HTTP thread's side of backtests: each runs in a thread of its own, one at a time, a few waiting. A backtest
// stops itself at its time budget and answers for what it covered; a thread that does not answer by the budget
// plus a grace (a slow read, a stuck condition) is ended.
import { Worker } from 'node:worker_threads';
import type { BacktestTask, BacktestTaskResult } from './tasks.ts';
import type { BacktestConfig } from './config.ts';

/** Too many backtests waiting. */
export class BacktestBusyError extends Error {}
/** The thread ran past its time (and was ended) or out of memory. */
export class BacktestTimeoutError extends Error {}
/** The task failed; the message says why. */
export class BacktestTaskError extends Error {
  constructor(readonly errorName: string, message: string) {
    super(message);
  }
}

/**
 * The thread's young generation (3 semi-spaces: 32 MB each). A replay makes many short-lived objects per event
 * while its states grow; larger semi-spaces let more of them die young (about 5-10 % less CPU than the default 16).
 */
export const YOUNG_GENERATION_MB = 96;

/** What the answer may take beyond the budget: the last span, building the answer, ending the thread. */
const GRACE_MS = 5_000;

type TaskWithoutBudget = { [K in BacktestTask['kind']]: Omit<Extract<BacktestTask, { kind: K }>, 'budgetMs'> }[BacktestTask['kind']];

export class BacktestRunner {
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #workers = new Set<Worker>();
  #closed = false;

  constructor(private readonly config: BacktestConfig) {}

  async run<T extends BacktestTaskResult>(task: TaskWithoutBudget): Promise<T> {
    if (this.#closed) throw new Error('the backtest runner is closed');
    if (this.#running > 0) {
      if (this.#waiting.length >= this.config.maxQueued) throw new BacktestBusyError(`a backtest is running and ${this.#waiting.length} are waiting; try again later`);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    try {
      return await this.#runInThread({ ...task, budgetMs: this.config.timeoutMs } as BacktestTask) as T;
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#workers].map((w) => w.terminate()));
  }

  #runInThread(task: BacktestTask): Promise<BacktestTaskResult> {
    const fromSource = import.meta.url.endsWith('.ts');
    const module = new URL(`./backtest-worker${fromSource ? '.ts' : '.js'}`, import.meta.url).href;
    const entry = fromSource ? new URL('../app/worker-entry.mjs', import.meta.url) : new URL(module);
    const worker = new Worker(entry, { workerData: { module, task }, resourceLimits: { maxOldGenerationSizeMb: this.config.memoryMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.unref();
    this.#workers.add(worker);
    return new Promise<BacktestTaskResult>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#workers.delete(worker);
        void worker.terminate();
        fn();
      };
      const timer = setTimeout(() => settle(() => reject(new BacktestTimeoutError(`the backtest did not answer within ${this.config.timeoutMs + GRACE_MS} ms (IFTHEN_BACKTEST_TIMEOUT_MS); it was stopped`))), this.config.timeoutMs + GRACE_MS);
      worker.once('message', (reply: { result?: BacktestTaskResult; error?: { name: string; message: string } }) => {
        settle(() => (reply.error ? reject(new BacktestTaskError(reply.error.name, reply.error.message)) : resolve(reply.result!)));
      });
      worker.once('error', (error) => settle(() => reject(/memory/i.test(error.message) ? new BacktestTimeoutError(`the backtest ran out of memory (IFTHEN_BACKTEST_MEMORY_MB=${this.config.memoryMb}): ${error.message}; ask for a shorter range`) : error)));
      worker.once('exit', (code) => settle(() => reject(new Error(`the backtest thread ended (code ${code}) without an answer`))));
    });
  }
}

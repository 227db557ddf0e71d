// The HTTP thread's side of the report thread (report-worker.ts): a ReportReader whose reads run there. The thread
// starts on the first report and stays; if it dies, the calls in flight fail and the next report starts a new one.
import { Worker } from 'node:worker_threads';
import type { DailyQuery, DaySums, Experiment, ReportReader } from './report-reader.ts';
import type { ReportCall, ReportReply } from './report-worker.ts';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

export class ThreadReportReader implements ReportReader {
  #worker: Worker | undefined;
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  #closed = false;

  constructor(private readonly dbFile: string) {}

  experiments(ruleId: string): Promise<Experiment[]> {
    return this.#call('experiments', [ruleId]) as Promise<Experiment[]>;
  }

  daily(query: DailyQuery): Promise<DaySums[]> {
    return this.#call('daily', [query]) as Promise<DaySums[]>;
  }

  firstExposure(ruleId: string, salt: string): Promise<number | undefined> {
    return this.#call('firstExposure', [ruleId, salt]) as Promise<number | undefined>;
  }

  revision(ruleId: string): Promise<number> {
    return this.#call('revision', [ruleId]) as Promise<number>;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }

  #call(method: ReportCall['method'], args: readonly unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('the report thread is closed'));
    const worker = this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args } satisfies ReportCall);
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const fromSource = import.meta.url.endsWith('.ts');
    const module = new URL(`./report-worker${fromSource ? '.ts' : '.js'}`, import.meta.url).href;
    const entry = fromSource ? new URL('../app/worker-entry.mjs', import.meta.url) : new URL(module);
    const worker = new Worker(entry, { workerData: { module, task: { dbFile: this.dbFile } } });
    worker.unref();
    worker.on('message', (reply: ReportReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.result);
    });
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the report thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}

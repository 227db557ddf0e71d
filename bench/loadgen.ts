// The load generator's parent side: runs bench/loadgen-child.ts in its own process (so its CPU is
// not the server's and not the harness's) and returns what it measured.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Common {
  readonly url: string;
  readonly token: string;
  /** Keep-alive connections in the undici Pool. */
  readonly connections: number;
  /** Events per request. */
  readonly batch: number;
  /** Sending stops after this many seconds (in-flight requests are awaited). */
  readonly seconds: number;
  /** Requests that start before this many seconds are not measured. */
  readonly warmupSeconds: number;
  /** Event-id prefix; must be unique per run (ids decide duplicates). */
  readonly prefix: string;
  readonly hookFraction?: number;
  readonly seed?: number;
  readonly ids?: 'sequential' | 'uuid';
  /** Closed loop: stop once this many events were sent (or at `seconds`, whichever comes first). */
  readonly stopAfterEvents?: number;
  /** Record a mark each time this many more events were acknowledged: the rate and p99 of each slice. */
  readonly markEvery?: number;
}

/** One slice of `markEvery` acknowledged events: when it ended, its rate and its request latency p99. */
export interface LoadMark { readonly events: number; readonly at: number; readonly rate: number; readonly p50: number; readonly p99: number }

/** N connections, each sending its next batch as soon as the previous one is acknowledged; `requests`: stop after that many. */
export interface ClosedLoad extends Common { readonly mode: 'closed'; readonly requests?: number }

/** Open loop: one batch every `intervalMs`, whatever the answers; at most `maxInFlight` requests outstanding. */
export interface PacedLoad extends Common { readonly mode: 'paced'; readonly intervalMs: number; readonly maxInFlight: number }

export type LoadConfig = ClosedLoad | PacedLoad;

export interface LoadResult {
  readonly requests: number;
  readonly events: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly rejected: number;
  /** Requests that failed outright (network error or non-200), with the first few messages. */
  readonly failures: number;
  readonly failureSamples: string[];
  readonly statusCounts: Record<string, number>;
  /** Events acknowledged (200) between the end of the warm-up and the stop. */
  readonly measuredEvents: number;
  readonly measuredSeconds: number;
  /** Latency (ms) of each request that started after the warm-up and ended before the stop. */
  readonly latencies: number[];
  /** Paced mode: ticks skipped because maxInFlight requests were outstanding. */
  readonly skippedTicks: number;
  /** Paced mode, webhook-type events: [id, sentAt, ackAt] (wall ms, sub-ms resolution). */
  readonly hookEvents: Array<[string, number, number]>;
  /** Cores the generator itself used while measuring. */
  readonly generatorCores: number;
  /** Wall time (ms) when the first request was sent, and when the last answer arrived. */
  readonly firstSentAt: number;
  readonly lastAckAt: number;
  /** Wall times (ms) of the measurement window. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly marks: LoadMark[];
}

export function runLoad(config: LoadConfig): Promise<LoadResult> {
  const entry = fileURLToPath(new URL('./loadgen-child.ts', import.meta.url));
  const child = fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: LoadResult | undefined;
    child.on('message', (message: { type: string; result?: LoadResult; error?: string }) => {
      if (message.type === 'result') result = message.result;
      else if (message.type === 'error') reject(new Error(`load generator: ${message.error}`));
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load generator exited with ${code} and no result`))));
    child.send(config);
  });
}

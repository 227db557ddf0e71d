// Load as a real client sends it to a server that may be killed at any moment: each worker posts a batch of
// events and, until it gets a 2xx, posts the same batch again (same ids), as an SDK retries. What is
// acknowledged is known exactly, whatever the kills cut off.
import { ADMIN_TOKEN } from './server.ts';

export interface LoadEvent {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly time?: number;
  readonly properties?: Record<string, unknown>;
}

export interface RetryingLoadOptions {
  readonly url: string;
  readonly workers: number;
  /** The next batch to send, or undefined when this worker has nothing to send now (it waits `pauseMs`). */
  readonly next: (worker: number) => LoadEvent[] | undefined;
  /** After an acknowledged batch (0: send the next at once). */
  readonly pauseMs?: number;
  /** Called with each batch once it is acknowledged, and the answer's body. */
  readonly onAck?: (events: readonly LoadEvent[], body: { accepted: number; duplicates: number; rejected: number }) => void;
}

export interface RetryingLoad {
  /** Ids of every acknowledged event. */
  readonly acked: Set<string>;
  /** Posts that got no 2xx (refused, or cut off by a kill) and were sent again. */
  readonly retries: number;
  /** Sends no new batch, but waits until the batches in flight are acknowledged. */
  stop(): Promise<void>;
  /** Stops at once, even with a batch not yet acknowledged (a failing test). */
  abandon(): Promise<void>;
}

const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

export function startRetryingLoad(options: RetryingLoadOptions): RetryingLoad {
  const acked = new Set<string>();
  let retries = 0;
  let stopping = false;
  let abandoned = false;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const worker = async (index: number) => {
    let pending: LoadEvent[] | undefined;
    while ((!stopping || pending) && !abandoned) {
      pending ??= stopping ? undefined : options.next(index);
      if (!pending) { await pause(options.pauseMs || 20); continue; }
      try {
        const response = await fetch(`${options.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(pending), signal: AbortSignal.timeout(5000) });
        if (response.ok) {
          const body = await response.json();
          for (const e of pending) acked.add(e.id);
          options.onAck?.(pending, body);
          pending = undefined;
          if (options.pauseMs) await pause(options.pauseMs);
        } else {
          await response.arrayBuffer();
          retries++;
          await pause(20);
        }
      } catch {
        retries++;
        await pause(20 + index);
      }
    }
  };
  const running = Promise.all(Array.from({ length: options.workers }, (_, i) => worker(i)));
  running.catch(() => undefined); // a failed `onAck` assertion surfaces in stop(), not as an unhandled rejection
  return {
    acked,
    get retries() { return retries; },
    async stop() { stopping = true; await running; },
    async abandon() { stopping = true; abandoned = true; await running; },
  };
}

// The webhook receiver of the hook scenarios, run in its own process (bench/receiver-process.ts): its
// arrival times are not delayed by the harness's own work (probes, samplers, the report).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReceiverReport, ReceiverRequest } from './receiver-process.ts';

export interface HookReceiver {
  readonly url: string;
  readonly pid: number;
  /** Requests received so far. */
  count(): Promise<number>;
  /** Every arrival so far, repeated idempotency keys, bad bodies. */
  report(): Promise<ReceiverReport>;
  /** Forgets what was received (between runs of the same receiver). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export type { ReceiverReport } from './receiver-process.ts';

export async function startHookReceiver(): Promise<HookReceiver> {
  const entry = fileURLToPath(new URL('./receiver-process.ts', import.meta.url));
  const child: ChildProcess = fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    child.on('message', (message: { type: string; url?: string; id?: number; value?: unknown }) => {
      if (message.type === 'listening') resolve(message.url!);
      else if (message.type === 'answer') { waiting.get(message.id!)?.(message.value); waiting.delete(message.id!); }
    });
  });
  const ask = <T>(type: ReceiverRequest['type']) => new Promise<T>((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve as (value: unknown) => void);
    child.send({ type, id } satisfies ReceiverRequest);
  });
  return {
    url, pid: child.pid!,
    count: () => ask<number>('count'),
    report: () => ask<ReceiverReport>('report'),
    reset: () => ask<void>('reset'),
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }),
  };
}

// The worker side of the request/reply protocol: what each worker thread needs to answer the HTTP thread.
import { parentPort } from 'node:worker_threads';
import type { FromWorker } from './worker-protocol.ts';

type Result = Extract<FromWorker, { type: 'reply' }>['result'];

const port = parentPort!;

export function send(message: FromWorker): void {
  port.postMessage(message);
}

/** Answers request `id` with what `work` resolves to, or with its error message. */
export function reply(id: number, work: Promise<Result>): void {
  work.then((result) => send({ type: 'reply', id, result }), (error: Error) => send({ type: 'reply', id, error: error.message }));
}

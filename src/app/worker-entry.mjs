// Entry of a worker thread when running from TypeScript source: Node 20 does not apply the main
// thread's loader hooks to a worker's entry module, so the worker registers tsx itself, then loads
// the module named in its workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);

// Entry of the pipeline thread when running from TypeScript source: Node 20 does not apply the main
// thread's loader hooks to a worker's entry module, so the worker registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./pipeline-worker.ts');

// The dispatcher thread: renders and sends deliveries, so that sending does not take turns with ingest
// and the processor. Its outbox calls run on the pipeline thread (RemoteOutbox): one SQLite writer.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openDatabase } from '../store/sqlite/sqlite-database.ts';
import { RemoteOutbox } from './remote-outbox.ts';
import { SqliteSecretStore } from '../store/sqlite/sqlite-secret-store.ts';
import { SecretBox } from '../secrets/secret-box.ts';
import { Dispatcher } from '../dispatcher/index.ts';
import type { PipelineWorkerData, ToWorker } from './worker-protocol.ts';
import { reply, send } from './worker-port.ts';

const data = workerData as PipelineWorkerData & { deliveriesPort: MessagePort };
const { config } = data;
const port = parentPort!;
const logger = pino({ level: config.logLevel, base: { thread: 'dispatcher' } });

const db = openDatabase(data.dbFile, 2); // reads secrets only
const secrets = new SqliteSecretStore(db, SecretBox.fromConfig(data.dataDir, config.secretKey));
const registry = new Registry();
// The processor announces committed deliveries; announcements within 2 ms share one claim.
let wakeScheduled = false;
const outbox = new RemoteOutbox(data.deliveriesPort, () => {
  if (wakeScheduled) return;
  wakeScheduled = true;
  setTimeout(() => { wakeScheduled = false; dispatcher.wake(); }, 2);
});
const dispatcher = new Dispatcher({
  outbox,
  secrets: () => secrets.values(),
  signingSecrets: data.signingSecret ? () => [data.signingSecret] : () => [],
  logger,
  registry,
  config: {
    ...config.dispatcher,
    leaseMs: Math.max(60_000, config.dispatcher.defaultTimeoutMs * 3),
    allowPrivateTargets: config.allowPrivateTargets,
    smtp: config.smtp,
    userAgent: 'ifthen/0.1',
  },
});



port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'deliveries-replayed':
      dispatcher.wake();
      break;
    case 'metrics':
      reply(message.id, registry.metrics());
      break;
    case 'stop':
      reply(message.id, dispatcher.stop(config.shutdownGraceMs).then(() => {
        data.deliveriesPort.close();
        db.close();
        return null;
      }));
      break;
    default:
      break;
  }
});

dispatcher.start();
send({ type: 'ready' });

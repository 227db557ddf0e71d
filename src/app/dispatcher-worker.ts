// The dispatcher thread: delivers the outbox with its own SQLite connection, so that sending webhooks,
// claims and attempt records do not take turns with ingest and the processor on the pipeline thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openDatabase, setDurability } from '../store/sqlite/sqlite-database.ts';
import { SqliteOutbox } from '../store/sqlite/sqlite-outbox.ts';
import { SqliteSecretStore } from '../store/sqlite/sqlite-secret-store.ts';
import { SecretBox } from '../secrets/secret-box.ts';
import { Dispatcher } from '../dispatcher/index.ts';
import type { PipelineWorkerData, ToWorker } from './worker-protocol.ts';
import { reply, send } from './worker-port.ts';

const data = workerData as PipelineWorkerData & { deliveriesPort: MessagePort };
const { config } = data;
const port = parentPort!;
const logger = pino({ level: config.logLevel, base: { thread: 'dispatcher' } });

const db = openDatabase(data.dbFile, 4); // touches few pages: the pending rows and their indexes
// Leases and attempt records are crash-safe: if lost, a delivery is sent again with the same key.
setDurability(db, 'crash-safe');
const secrets = new SqliteSecretStore(db, SecretBox.fromConfig(data.dataDir, config.secretKey));
const registry = new Registry();
const dispatcher = new Dispatcher({
  outbox: new SqliteOutbox(db),
  secrets: () => secrets.values(),
  logger,
  registry,
  config: {
    ...config.dispatcher,
    leaseMs: Math.max(60_000, config.dispatcher.defaultTimeoutMs * 3),
    allowPrivateTargets: config.allowPrivateTargets,
    signingSecret: data.signingSecret,
    smtp: config.smtp,
    userAgent: 'ifthen/0.1',
  },
});

// The processor committed deliveries. Announcements within 2 ms share one claim (one turn at the write lock).
let wakeScheduled = false;
data.deliveriesPort.on('message', () => {
  if (wakeScheduled) return;
  wakeScheduled = true;
  setTimeout(() => { wakeScheduled = false; dispatcher.wake(); }, 2);
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

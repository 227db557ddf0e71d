// The dispatcher thread: renders and sends deliveries, so that sending does not take turns with ingest
// and the processor. Its outbox calls run on the pipeline thread (RemoteOutbox): one SQLite writer.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openDispatcherStores } from '../store/open.ts';
import { RemoteOutbox } from './remote-outbox.ts';
import { Dispatcher } from '../dispatcher/index.ts';
import type { DispatcherWorkerData, ToWorker } from './worker-protocol.ts';
import { reply, send } from './worker-port.ts';
import { StallWatch } from './stall-watch.ts';

const data = workerData as DispatcherWorkerData;
const { config } = data;
const port = parentPort!;
const logger = pino({ level: config.logLevel, base: { thread: 'dispatcher' } });

const stores = openDispatcherStores(config);

/** The secrets valid now per scope (`default`, `rule:<id>`), newest first: a rule's own, else the default ones. */
async function signingByScope(): Promise<Map<string, string[]>> {
  const byScope = new Map<string, string[]>();
  if (config.signing.secret) byScope.set('default', [config.signing.secret]);
  for (const s of await stores.signing.active(Date.now())) byScope.set(s.scope, [...(byScope.get(s.scope) ?? []), s.secret]);
  return byScope;
}
let signing = await signingByScope();
// Rotations and expiries reach deliveries within a second (the store answers from memory unless a secret changed).
const signingRefresh = setInterval(() => void signingByScope().then((next) => { signing = next; }, (error: Error) => logger.error({ err: error }, 'could not read the signing secrets')), 1000);
const registry = new Registry();
// The processor announces committed deliveries; announcements within 2 ms share one claim.
let wakeScheduled = false;
const outbox = new RemoteOutbox(data.outboxPort, () => {
  if (wakeScheduled) return;
  wakeScheduled = true;
  setTimeout(() => { wakeScheduled = false; dispatcher.wake(); }, 2);
}, (deliveries) => dispatcher.accept(deliveries));
const dispatcher = new Dispatcher({
  outbox,
  secrets: () => stores.secrets.values(),
  signingSecrets: (delivery) => signing.get(`rule:${delivery.ruleId}`) ?? signing.get('default') ?? [],
  logger,
  registry,
  watch: new StallWatch(data.watch),
  offer: (credit) => outbox.offer(credit),
  config: {
    ...config.dispatcher,
    owner: data.owner,
    // The embedded server holds the data-directory lock and runs one dispatcher: other owners' leases are dead.
    releaseOtherOwnersAtStart: true,
    leaseMs: Math.max(60_000, config.dispatcher.defaultTimeoutMs * 3),
    allowPrivateTargets: config.allowPrivateTargets,
    smtp: config.smtp,
    userAgent: 'ifthen/0.1',
    render: config.render,
  },
});

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'deliveries-changed':
      dispatcher.wake();
      break;
    case 'outbox-port':
      outbox.attach(message.port);
      break;
    case 'metrics':
      reply(message.id, registry.metrics());
      break;
    case 'stop':
      clearInterval(signingRefresh);
      reply(message.id, dispatcher.stop(config.shutdownGraceMs).then(() => {
        outbox.close();
        stores.close();
        return null;
      }));
      break;
    default:
      break;
  }
});

dispatcher.start();
send({ type: 'ready' });

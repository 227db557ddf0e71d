// The pipeline thread: group-commits ingest and runs the processor, so that fsyncs and rule evaluation
// never block the HTTP thread. New deliveries are announced to the dispatcher thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openDatabase, setDurability } from '../store/sqlite/sqlite-database.ts';
import { SqliteEventLog } from '../store/sqlite/sqlite-event-log.ts';
import { SqlitePipelineStore } from '../store/sqlite/sqlite-pipeline-store.ts';
import { SqliteOutbox } from '../store/sqlite/sqlite-outbox.ts';
import { SqliteRuleStore } from '../store/sqlite/sqlite-rule-store.ts';
import { RuleCache } from '../processor/rule-cache.ts';
import { Processor, PROCESSOR_CONSUMER } from '../processor/processor.ts';
import { GroupCommit } from './group-commit.ts';
import { pipelineMetrics } from './pipeline-metrics.ts';
import type { PipelineWorkerData, ToWorker } from './worker-protocol.ts';
import { reply, send } from './worker-port.ts';
import { serveOutbox, type OutboxMessage } from './remote-outbox.ts';

const data = workerData as PipelineWorkerData & { deliveriesPort: MessagePort };
const { config } = data;
const port = parentPort!;
const logger = pino({ level: config.logLevel, base: { thread: 'pipeline' } });

const db = openDatabase(data.dbFile);
// The pipeline's own commits are crash-safe; ingest commits are fsync'd (see Durability).
setDurability(db, 'crash-safe');
const log = new SqliteEventLog(db, 'crash-safe');
const store = new SqlitePipelineStore(db, log);
const outbox = new SqliteOutbox(db);
const ruleStore = new SqliteRuleStore(db);
const registry = new Registry();
const metrics = pipelineMetrics(registry, { log, outbox, position: () => processor.position });

const rules = new RuleCache(ruleStore, config.delivery, (ruleId, error) => logger.error({ ruleId, err: error }, 'rule does not compile; skipped'));
const processor = new Processor(log, store, rules, { batchSize: config.engine.batchSize, engine: { maxEmitDepth: config.engine.maxEmitDepth }, now: Date.now }, {
  onCommitted({ events, firings, durationMs }) {
    metrics.processed.inc(events);
    for (const f of firings) metrics.firings.inc({ rule: f.ruleId });
    metrics.batchSeconds.observe(durationMs / 1000);
    if (firings.some((f) => f.deliveries.length)) data.deliveriesPort.postMessage({ kind: 'announce' } satisfies OutboxMessage);
  },
  onEventError(eventId, error) {
    metrics.eventErrors.inc();
    logger.error({ eventId, err: error }, 'event could not be processed; skipped');
  },
  onBatchError(error) {
    logger.error({ err: error }, 'batch failed; retrying');
  },
});

const commits = new GroupCommit((events) => log.appendSync(events), ({ requests }) => {
  metrics.ingestCommits.inc();
  metrics.requestsPerCommit.observe(requests);
  processor.wake();
});

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'append':
      commits.submit(message.events, (result) =>
        send(result instanceof Error ? { type: 'reply', id: message.id, error: result.message } : { type: 'reply', id: message.id, result }));
      break;
    case 'rules-changed':
      processor.wake();
      break;
    case 'metrics':
      reply(message.id, registry.metrics());
      break;
    case 'status':
      reply(message.id, status());
      break;
    case 'stop':
      reply(message.id, stop().then(() => null));
      break;
  }
});

async function status() {
  const position = await store.position(PROCESSOR_CONSUMER);
  const lag = await log.lag(position);
  return { position, head: lag.head, lagEvents: lag.head - position, lagSeconds: lag.oldestUnprocessedAt ? Math.max(0, (Date.now() - lag.oldestUnprocessedAt) / 1000) : 0 };
}

async function stop(): Promise<void> {
  commits.flush();
  await processor.stop();
  db.close();
}

serveOutbox(data.deliveriesPort, outbox);
processor.start();
send({ type: 'ready' });

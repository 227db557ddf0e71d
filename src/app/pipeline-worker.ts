// The pipeline thread: the single writer. It group-commits ingest, runs the processor and the emit relay,
// and serves the dispatcher's outbox calls, so that fsyncs and rule evaluation never block the HTTP thread.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openPipelineStores } from '../store/open.ts';
import { RuleCache } from '../processor/rule-cache.ts';
import { Processor, PROCESSOR_CONSUMER, type BatchSummary } from '../processor/processor.ts';
import { FreshPicker, leasedDelivery } from '../dispatcher/fresh-work.ts';
import { deliveryDestination } from '../store/destination.ts';
import type { Firing } from '../engine/types.ts';
import type { LeasedDelivery } from '../store/contracts.ts';
import { EmitRelay } from '../processor/emit-relay.ts';
import { pipelineMetrics } from './pipeline-metrics.ts';
import type { ToWorker, WorkerData } from './worker-protocol.ts';
import { reply, send } from './worker-port.ts';
import { OutboxServer } from './remote-outbox.ts';
import { StallWatch } from './stall-watch.ts';
import { commitProbeFromEnv, stallHookFromEnv } from './commit-probe.ts';
import { RetentionTask } from '../retention/retention-task.ts';
import { openSubjectTimelineIndexer } from '../store/sqlite/subject-timeline-indexer.ts'; // issue 6: subject timeline

const data = workerData as WorkerData;
const { config } = data;
const port = parentPort!;
const logger = pino({ level: config.logLevel, base: { thread: 'pipeline' } });
const PARTITION = 0;

const stores = openPipelineStores(config, {
  afterAppend({ requests }) {
    metrics.ingestCommits.inc();
    metrics.requestsPerCommit.observe(requests);
    processor.wake();
  },
  commitProbe: commitProbeFromEnv(process.env.IFTHEN_TEST_CRASH_AT),
  onNotice: (level, data, message) => logger[level](data, message),
});
const { log, pipeline, outbox } = stores;
// issue 6: the subject timeline, indexed off the ingest path (store/sqlite/subject-timeline-indexer.ts)
const timeline = openSubjectTimelineIndexer(config.dbFile, config.subjectTimeline, (error) => logger.error({ err: error }, 'subject timeline: indexing failed; trying again'));
const registry = new Registry();
const metrics = pipelineMetrics(registry, { log, outbox, cursor: () => processor.cursor, retention: stores.retention,
  memory: { dedupeWindow: () => stores.dedupeWindow(), subjectCache: () => processor.subjectCacheStats },
});
const retention = new RetentionTask(stores.retention, config.retention, Date.now, {
  onDeleted: (kind, rows) => metrics.retentionDeleted.inc({ kind }, rows),
  onReclaimed: (pages) => metrics.retentionReclaimedPages.inc(pages),
  onStep: (kind, ms) => metrics.retentionStepSeconds.observe({ kind }, ms / 1000),
  onWait: (ms) => metrics.retentionWaitSeconds.inc(ms / 1000),
  onPass(pass) {
    metrics.retentionPassSeconds.set(pass.ms / 1000);
    metrics.retentionLongestStepSeconds.set(pass.longestStepMs / 1000);
    metrics.retentionPassTime.set(pass.startedAt / 1000);
    if (Object.keys(pass.deleted).length || pass.reclaimedPages) logger.info({ deleted: pass.deleted, reclaimedPages: pass.reclaimedPages, ms: Math.round(pass.ms) }, 'retention pass');
  },
  onError: (error) => logger.error({ err: error }, 'retention pass failed; the next one tries again'),
});

const rules = new RuleCache(stores.rules, config.delivery, (ruleId, error) => logger.error({ ruleId, err: error }, 'rule does not compile; skipped'));
const relay = new EmitRelay(pipeline, log, (error) => logger.error({ err: error }, 'relaying emitted events failed; retrying'));
const fresh = new FreshPicker();
const outboxServer = new OutboxServer(data.outboxPort, outbox, (credit) => (credit ? fresh.update(credit) : fresh.forget()));
const processor = new Processor(timeline.tap(log) /* issue 6: subject timeline */, pipeline, rules, {
  partition: PARTITION, batchSize: config.engine.batchSize, now: Date.now, subjectCache: config.subjectCache,
  engine: {
    maxEmitDepth: config.engine.maxEmitDepth, condition: config.condition, render: config.render, wallClock: () => performance.now(),
    subject: { maxAttributes: config.limits.subjectAttributes, maxBytes: config.limits.subjectBytes }, memory: config.memory,
    ...(config.globalControl ? { globalControl: config.globalControl } : {}),
  },
  pickFresh: (deliveries, now) => fresh.pick(deliveries, now),
}, {
  onCommitted({ events, timers, firings, emits, failures, ruleErrorCounts, fresh: leased, durationMs, late, suppressions, windowTrims }) {
    metrics.processed.inc(events);
    if (timers) metrics.timersFired.inc(timers);
    if (late) metrics.lateEvents.inc(late);
    for (const [rule, count] of windowTrims ?? []) metrics.windowTrims.inc({ rule }, count);
    for (const s of suppressions ?? []) metrics.suppressions.inc({ rule: s.ruleId, reason: s.reason });
    for (const f of firings) metrics.firings.inc({ rule: f.ruleId });
    for (const [rule, count] of ruleErrorCounts ?? []) metrics.ruleErrors.inc({ rule }, count);
    for (const f of failures) {
      metrics.eventFailures.inc({ stage: f.stage });
      if (f.stage === 'profile') logger.warn({ eventId: f.eventId, stage: f.stage, error: f.error }, 'identify not applied: the subject profile would exceed its bound; recorded');
      else logger.error({ eventId: f.eventId, stage: f.stage, error: f.error }, 'event could not be processed; recorded and passed over');
    }
    metrics.batchSeconds.observe(durationMs / 1000);
    if (emits) relay.wake();
    handOver(firings, leased);
  },
  onBatchError(error, inputs) {
    logger.error({ err: error, inputs }, 'batch could not be committed; retrying');
  },
}, stallHookFromEnv(process.env.IFTHEN_TEST_STALL_EVENT, new StallWatch(data.watch)));

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'append':
      log.append(message.events).then(
        (result) => send({ type: 'reply', id: message.id, result }),
        (error: Error) => send({ type: 'reply', id: message.id, error: error.message }),
      );
      break;
    case 'rules-changed':
      processor.wake();
      break;
    case 'outbox-port':
      outboxServer.attach(message.port);
      break;
    case 'metrics':
      metrics.beforeScrape();
      reply(message.id, registry.metrics());
      break;
    case 'status':
      reply(message.id, status());
      break;
    case 'find-event':
      reply(message.id, log.find(message.eventId).then((event) => event ?? null));
      break;
    case 'stop':
      reply(message.id, stop().then(() => null));
      break;
    default:
      break;
  }
});

/** Deliveries leased in the commit go to the dispatcher in memory; if others wait, it is told to claim them. */
function handOver(firings: readonly Firing[], leased: BatchSummary['fresh']): void {
  const ids = new Set(leased?.ids ?? []);
  const handed: LeasedDelivery[] = [];
  let pending = false;
  for (const f of firings) {
    for (const d of f.deliveries) {
      if (leased && ids.has(d.id)) handed.push(leasedDelivery(d, (d as { destination?: string }).destination ?? deliveryDestination(d.kind, d.spec), leased.lease));
      else pending = true;
    }
  }
  if (handed.length) outboxServer.handOver(handed);
  if (pending) outboxServer.announce();
}

async function status() {
  const cursor = await pipeline.cursor(PROCESSOR_CONSUMER, PARTITION);
  const lag = await log.lag(PARTITION, cursor);
  return { cursor, lagEvents: lag.events, lagSeconds: lag.oldestUnprocessedAt ? Math.max(0, (Date.now() - lag.oldestUnprocessedAt) / 1000) : 0 };
}

async function stop(): Promise<void> {
  await retention.stop();
  await stores.flush();
  await processor.stop();
  await relay.stop();
  timeline.close(); // issue 6: subject timeline
  stores.close();
}

processor.start();
relay.wake(); // emits committed before a crash and not yet relayed
retention.start();
timeline.start(); // issue 6: subject timeline
send({ type: 'ready' });


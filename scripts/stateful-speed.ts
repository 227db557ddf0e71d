// The stateful scenario's processing, in one process, for quick A/B work on the processor and the subject store:
//   node --import tsx scripts/stateful-speed.ts prepare <dir> [--events=300000]   rules (bench memoryRules(100)) and a backlog
//   node --import tsx scripts/stateful-speed.ts run <dir> [--batch=500] [--cache-entries=N] [--cache-bytes=N]
// `run` copies <dir> to a temp dir and processes the whole backlog with the real Processor and SQLite stores, as the
// pipeline thread does (without the subject timeline indexer); a checkpoint runs between batches like the checkpoint
// thread's. It prints events/s and the CPU µs per event spent inside processBatch (process CPU: includes V8's GC threads).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openPipelineStores } from '../src/store/open.ts';
import { RuleCache } from '../src/processor/rule-cache.ts';
import { Processor } from '../src/processor/processor.ts';
import { startServer, api } from '../bench/server-process.ts';
import { preloadEvents } from '../bench/preload.ts';
import { memoryRules } from '../bench/memory-workload.ts';
import Database from 'better-sqlite3';

const [command, dir] = process.argv.slice(2);
const opt = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

if (command === 'prepare') {
  const setup = await startServer({ dataDir: dir, mode: 'tsx' });
  for (const rule of memoryRules(100)) {
    const res = await api(setup.url, 'PUT', `/v1/rules/${rule.id}`, rule);
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT rule ${rule.id}: ${res.status}`);
  }
  await setup.stop();
  const events = Number(opt('events') ?? 300_000);
  console.log(await preloadEvents(dir, events, 'mem-x', () => false));
} else if (command === 'run') {
  const work = mkdtempSync(join(tmpdir(), 'sp-speed-'));
  cpSync(dir, work, { recursive: true });
  try {
    const env: Record<string, string> = { IFTHEN_DATA: work, IFTHEN_LOG_LEVEL: 'error' };
    if (opt('batch')) env.IFTHEN_PROCESS_BATCH = opt('batch')!;
    if (opt('cache-entries')) env.IFTHEN_SUBJECT_CACHE_ENTRIES = opt('cache-entries')!;
    if (opt('cache-bytes')) env.IFTHEN_SUBJECT_CACHE_BYTES = opt('cache-bytes')!;
    const config = loadConfig(env);
    const stores = openPipelineStores(config);
    const checkpoint = new Database(config.dbFile);
    // The processing clock stays just after the backlog's last arrival, so that runs on an older copy do not fire its
    // absence timers when caught up (the bench processes the backlog within minutes of writing it, before they are due).
    const lastArrival = checkpoint.prepare('SELECT max(received_at) FROM events').pluck().get() as number;
    const rules = new RuleCache(stores.rules, config.delivery, (id, e) => console.error(id, e));
    const processor = new Processor(stores.log, stores.pipeline, rules, {
      partition: 0, batchSize: config.engine.batchSize, now: () => lastArrival + 2000, subjectCache: config.subjectCache,
      engine: { maxEmitDepth: config.engine.maxEmitDepth, condition: config.condition, render: config.render, wallClock: () => performance.now(),
        subject: { maxAttributes: config.limits.subjectAttributes, maxBytes: config.limits.subjectBytes }, memory: config.memory },
    });
    let events = 0, cpuUs = 0, wallMs = 0, batches = 0;
    for (;;) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      const n = await processor.processBatch();
      wallMs += performance.now() - t;
      const used = process.cpuUsage(cpu);
      cpuUs += used.user + used.system;
      if (!n) break;
      events += n;
      if (++batches % 20 === 0) checkpoint.pragma('wal_checkpoint(PASSIVE)');
    }
    const mem = process.memoryUsage();
    console.log(JSON.stringify({
      events, batches, eventsPerWallS: Math.round(events / (wallMs / 1000)), cpuUsPerEvent: +(cpuUs / events).toFixed(1),
      cache: processor.subjectCacheStats, heapMB: Math.round(mem.heapUsed / 1048576), rssMB: Math.round(mem.rss / 1048576),
    }));
    checkpoint.close();
    stores.close();
  } finally {
    if (process.argv.includes("--keep")) console.log(`kept ${work}`); else rmSync(work, { recursive: true, force: true });
  }
} else {
  console.error('usage: stateful-speed.ts prepare|run <dir>');
  process.exit(2);
}

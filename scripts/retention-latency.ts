// Ingest latency with and without retention deleting a large backlog (issue 9: retention must never raise ingest
// p99 past 50 ms). Fills a database with old, processed events and delivered deliveries, copies it, and runs the
// real server (child process, fsync'd group commit, all threads) on each copy under the same ingest load: once
// with retention off, once with it deleting the backlog. Latency is measured from each request's scheduled send
// time (open loop: a slow answer does not hide the requests queued behind it).
//   node --import tsx scripts/retention-latency.ts [--events=2000000] [--deliveries=200000] [--rate=20000] [--seconds=20] [--runs=off,on]
import { copyFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase } from '../src/store/sqlite/sqlite-database.ts';
import { ADMIN_TOKEN, freePort, spawnChildServer, stopChild, tempDir, waitReady } from '../test/support/server.ts';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 2_000_000);
const DELIVERIES = arg('deliveries', 200_000);
const RATE = arg('rate', 20_000);
const SECONDS = arg('seconds', 20);
const CONNECTIONS = 10;
/** Requests of the first seconds (JIT, caches) are sent but not counted, in both runs. */
const WARMUP_MS = 3_000;
const BATCH = 100;
const DAY = 86_400_000;

function fill(file: string): void {
  const db = openDatabase(file);
  const old = Date.now() - 40 * DAY;
  const props = JSON.stringify({ page: '/products/12345', referrer: 'https://example.com/some/where', total: 42.5, items: [1, 2, 3], note: 'x'.repeat(80) });
  const event = db.prepare("INSERT INTO events (id, type, subject, time, received_at, properties) VALUES (?, ?, ?, ?, ?, ?)");
  const firing = db.prepare("INSERT INTO firings (id, rule_id, rule_version, subject, event_ids, grp, trace, time) VALUES (?, 'r', 1, ?, '[]', 'treatment', '{}', ?)");
  const delivery = db.prepare(`INSERT INTO deliveries (id, firing_id, rule_id, subject, action_index, kind, destination, spec, context, policy, status, attempts,
    created_at, window_started_at, next_attempt_at, updated_at, delivered_at) VALUES (?, ?, 'r', ?, 0, 'webhook', 'https://hooks.example.com', ?, '{}', '{}', 'delivered', 1, ?, ?, ?, ?, ?)`);
  const attempt = db.prepare('INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, response, request) VALUES (?, 1, ?, 12, 200, ?, ?)');
  const spec = JSON.stringify({ url: 'https://hooks.example.com/x', body: props });
  for (let done = 0; done < EVENTS; done += 100_000) {
    db.transaction(() => {
      for (let i = done; i < Math.min(EVENTS, done + 100_000); i++) event.run(randomUUID(), `type-${i % 10}`, `user-${i % 50_000}`, old + i, old + i, props);
    })();
  }
  for (let done = 0; done < DELIVERIES; done += 50_000) {
    db.transaction(() => {
      for (let i = done; i < Math.min(DELIVERIES, done + 50_000); i++) {
        const f = `f_${i}`;
        firing.run(f, `user-${i % 50_000}`, old + i);
        delivery.run(`${f}.0`, f, `user-${i % 50_000}`, spec, old + i, old + i, old + i, old + i, old + i);
        attempt.run(`${f}.0`, old + i, 'ok', JSON.stringify({ method: 'POST', url: 'https://hooks.example.com/x', headers: {}, body: props }));
      }
    })();
  }
  db.prepare("INSERT INTO cursors (consumer, partition, cursor) VALUES ('processor', 0, ?)").run(String(EVENTS));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** The retention transactions so far and how many held the lock at most 1, 2, 5, 10 and 25 ms (histogram buckets). */
function stepsUnder(text: string): string {
  const bucket = (le: string) => metric(text.split('\n').filter((l) => l.includes(`le="${le}"`)).join('\n'), 'ifthen_retention_step_seconds_bucket');
  const total = bucket('+Inf');
  return `${total} in all, ${['0.001', '0.002', '0.005', '0.01', '0.025'].map((le) => `≤${Number(le) * 1000} ms ${((100 * bucket(le)) / Math.max(1, total)).toFixed(1)}%`).join(', ')}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

const metric = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);

async function run(dir: string, retention: boolean) {
  const port = await freePort();
  const env = retention ? { IFTHEN_RETENTION_INTERVAL_MS: '1000' } : { IFTHEN_RETENTION_INTERVAL_MS: '0' };
  const server = await waitReady(spawnChildServer(dir, port, { ...env, LOG_LEVEL: 'warn' }), 180_000);
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const scrape = async () => (await fetch(`${server.url}/metrics`, { headers })).text();
  try {
    const latencies: number[] = [];
    const whileDeleting: number[] = [];
    let deleting = false;
    let errors = 0;
    const startDeleted = metric(await scrape(), 'ifthen_retention_deleted_total');
    const sizes: string[] = [];
    const started = performance.now();
    const end = started + WARMUP_MS + SECONDS * 1000;
    const poller = (async () => {
      let last = startDeleted;
      while (performance.now() < end) {
        await new Promise((r) => setTimeout(r, 500));
        const text = await scrape();
        const deleted = metric(text, 'ifthen_retention_deleted_total');
        deleting = deleted > last;
        last = deleted;
        sizes.push(`${Math.round((performance.now() - started) / 1000)}s: ${(metric(text, 'ifthen_db_file_bytes') / 2 ** 20).toFixed(0)} MiB, wal ${(metric(text, 'ifthen_db_wal_bytes') / 2 ** 20).toFixed(0)} MiB, free ${metric(text, 'ifthen_db_free_pages')} pages, deleted ${deleted}`);
      }
      return last - startDeleted;
    })();
    const interval = (CONNECTIONS * BATCH * 1000) / RATE;
    const worker = async (w: number) => {
      for (let scheduled = started + (w * interval) / CONNECTIONS; scheduled < end; scheduled += interval) {
        const wait = scheduled - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const body = JSON.stringify(Array.from({ length: BATCH }, () => ({ id: randomUUID(), type: 'page', subject: `user-${Math.floor(Math.random() * 50_000)}`, properties: { path: '/x', n: 1 } })));
        const deletingNow = deleting;
        try {
          const response = await fetch(`${server.url}/v1/events`, { method: 'POST', headers, body });
          await response.arrayBuffer();
          if (!response.ok) errors++;
        } catch {
          errors++;
        }
        const ms = performance.now() - scheduled;
        if (scheduled < started + WARMUP_MS) continue;
        latencies.push(ms);
        if (deletingNow) whileDeleting.push(ms);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));
    const deleted = await poller;
    const sorted = latencies.sort((a, b) => a - b);
    const during = whileDeleting.sort((a, b) => a - b);
    const text = await scrape();
    return {
      retention, requests: sorted.length, errors, deleted,
      p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1],
      whileDeleting: during.length ? { requests: during.length, p50: percentile(during, 0.5), p99: percentile(during, 0.99), max: during[during.length - 1] } : null,
      steps: stepsUnder(text),
      waitedS: metric(text, 'ifthen_retention_wait_seconds_total'),
      sizes,
    };
  } finally {
    await stopChild(server);
  }
}

const a = tempDir('ifthen-retention-latency-a-');
const b = tempDir('ifthen-retention-latency-b-');
try {
  const t = performance.now();
  fill(join(a.path, 'ifthen.db'));
  copyFileSync(join(a.path, 'ifthen.db'), join(b.path, 'ifthen.db'));
  copyFileSync(join(a.path, 'ifthen.db'), join(a.path, 'ifthen.db.filled'));
  console.log(`filled ${EVENTS} events and ${DELIVERIES} delivered deliveries (with firings and attempts), 40 days old, in ${Math.round(performance.now() - t)} ms`);
  // --runs=off,on,off: the order of runs; each "on" and "off" after the first runs on a fresh copy of the filled file.
  const runs = (process.argv.find((x) => x.startsWith('--runs='))?.split('=')[1] ?? 'off,on').split(',');
  for (const [i, name] of runs.entries()) {
    const retention = name === 'on';
    const dir = i === 0 ? a.path : b.path;
    if (i > 1) copyFileSync(join(a.path, 'ifthen.db.filled'), join(b.path, 'ifthen.db'));
    const r = await run(dir, retention);
    const f = (n: number) => n.toFixed(1);
    console.log(`\nretention ${retention ? 'ON ' : 'off'}: ${r.requests} requests of ${BATCH} events at ${RATE} events/s over ${SECONDS} s, ${r.errors} errors; p50 ${f(r.p50)} ms, p99 ${f(r.p99)} ms, max ${f(r.max)} ms; rows deleted ${r.deleted}`);
    if (r.whileDeleting) console.log(`  while deleting: ${r.whileDeleting.requests} requests, p50 ${f(r.whileDeleting.p50)} ms, p99 ${f(r.whileDeleting.p99)} ms, max ${f(r.whileDeleting.max)} ms`);
    if (retention) console.log(`  retention transactions (write-lock time): ${r.steps}; waited ${r.waitedS.toFixed(1)} s for the WAL`);
    for (const line of r.sizes.filter((_, i) => i % 4 === 3)) console.log(`  ${line}`);
  }
} finally {
  a.remove();
  b.remove();
}

// kill -9 under load while retention deletes (periods of seconds, a pass every 200 ms): every acknowledged event
// is processed exactly once (a `set` rule counts each subject's events), every matching event's webhook reaches
// the receiver under one idempotency key, and every emitted event is relayed and acted on exactly once, although
// the events, firings and deliveries behind them are deleted as the test runs. The child server, receiver and
// database are closed whatever happens.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { freePort, readiness, startChildServer, stopChild, tempDir, ADMIN_TOKEN, type ChildServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { startRetryingLoad, type RetryingLoad } from '../support/retrying-load.ts';

const KILLS = 3;
const BATCH = 20;
const SUBJECTS = 50;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

const RULES = [
  { id: 'on-even', when: { event: 'tick', where: 'event.properties.even == true' }, then: [{ webhook: { url: 'RECEIVER/even', body: { event: '{{ event.id }}' } } }] },
  { id: 'count', when: { event: 'tick' }, then: [{ set: { ticks: '{{ subject.ticks | default: 0 | plus: 1 }}' } }] },
  { id: 'echo', when: { event: 'tick', where: 'event.properties.echo == true' }, then: [{ emit: { event: 'echoed', properties: { of: '{{ event.id }}' } } }] },
  { id: 'on-echo', when: { event: 'echoed' }, then: [{ webhook: { url: 'RECEIVER/echo', body: { of: '{{ event.properties.of }}' } } }] },
];

// Events are kept 20 s: a batch whose acknowledgement a kill cut off is sent again as soon as the server is back,
// and must find its events still stored to be answered `duplicate` (the dedupe window is bounded by retention,
// README "Retention"). With 5 s, a restart slowed by a loaded machine let retention delete a batch before its
// retry arrived, and the retry was (rightly, by that policy) stored and processed as new events.
const RETENTION = {
  IFTHEN_RETENTION_EVENTS_MS: '20000', IFTHEN_RETENTION_FIRINGS_MS: '1000', IFTHEN_RETENTION_DELIVERED_MS: '1000', IFTHEN_RETENTION_DEAD_MS: '1000',
  IFTHEN_RETENTION_FAILURES_MS: '1000', IFTHEN_RETENTION_RULE_ERRORS_MS: '1000', IFTHEN_RETENTION_INTERVAL_MS: '200',
};

it('processes each event once and delivers each webhook under one key across SIGKILLs while retention deletes', { timeout: 180_000 }, async () => {
  const dir = tempDir('ifthen-crash-retention-');
  const port = await freePort();
  const env = { IFTHEN_DELIVERY_BACKOFF_MS: '50', IFTHEN_DELIVERY_BACKOFF_MAX_MS: '500', ...RETENTION };
  let receiver: Receiver | undefined;
  let server: ChildServer | undefined;
  let db: Database.Database | undefined;
  let load: RetryingLoad | undefined;
  try {
    receiver = await startReceiver();
    server = await startChildServer(dir.path, port, env);
    const url = server.url;
    for (const rule of RULES) {
      const put: Response = await fetch(`${url}/v1/rules/${rule.id}`, { method: 'PUT', headers: admin, body: JSON.stringify(rule).replace('RECEIVER', receiver.url) });
      assert.equal(put.status, 201, await put.text());
    }
    db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    // Events deleted so far: seqs are never reused, so the ones missing below the newest were deleted.
    const deletedEvents = () => db!.prepare('SELECT COALESCE(MAX(seq), 0) - COUNT(*) FROM events').pluck().get() as number;

    let next = 0;
    // A steady stream, not a flood: the test is about interleaving, and the log stays small enough to delete.
    load = startRetryingLoad({
      url, workers: 2, pauseMs: 50,
      next: () => Array.from({ length: BATCH }, () => {
        const n = next++;
        return { id: `ev-${n}`, type: 'tick', subject: `s${n % SUBJECTS}`, properties: { even: n % 2 === 0, echo: n % 3 === 0, n } };
      }),
    });
    const { acked } = load;

    // Each kill comes once retention has deleted more events since the previous start, and load flows: every kill
    // lands while retention, ingest and processing all run.
    const deletedAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const before = acked.size;
      const deletedBefore = deletedEvents();
      const deadline = Date.now() + 60_000;
      while (acked.size < before + 2 * BATCH || deletedEvents() <= deletedBefore) {
        if (Date.now() > deadline) {
          const metrics = (await (await fetch(`${url}/metrics`, { headers: admin })).text()).split('\n').filter((l) => /^ifthen_(db_wal|retention_(deleted|wait)|processing_lag_events|outbox_depth)/.test(l));
          throw new Error(`before kill ${kill + 1}: ${acked.size - before} events acknowledged, ${deletedEvents() - deletedBefore} deleted within 60 s; ${metrics.join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 600));
      deletedAtKill.push(deletedEvents());
      server.process.kill('SIGKILL');
      await server.exited;
      server = await startChildServer(dir.path, port, env);
    }
    await new Promise((r) => setTimeout(r, 500));
    await load.stop();

    const drainDeadline = Date.now() + 60_000;
    const transient = { count: 0 }; // /readyz requests that failed while the server ran (reported below)
    for (;;) {
      const ready = await readiness(server!, transient);
      if (!ready) { await new Promise((r) => setTimeout(r, 200)); continue; }
      const open = db.prepare("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'delivering', 'dead')").pluck().get() as number;
      const unrelayed = db.prepare('SELECT COUNT(*) FROM emit_outbox').pluck().get() as number;
      if (ready.lagEvents === 0 && open === 0 && unrelayed === 0) break;
      if (Date.now() > drainDeadline) throw new Error(`not drained: lag ${ready.lagEvents}, open deliveries ${open}, emits not relayed ${unrelayed}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(acked.size, next, 'the client eventually got every batch acknowledged');
    const numbers = [...acked].map((id) => Number(id.slice(3)));

    // Processed exactly once: each subject's counter equals its ticks (a batch applied twice, or lost, shows).
    const ticksPerSubject = new Map<string, number>();
    for (const n of numbers) ticksPerSubject.set(`s${n % SUBJECTS}`, (ticksPerSubject.get(`s${n % SUBJECTS}`) ?? 0) + 1);
    const subjects = db.prepare('SELECT id, attributes FROM subjects').all() as { id: string; attributes: string }[];
    const counted = new Map(subjects.map((s) => [s.id, Number(JSON.parse(s.attributes).ticks)]));
    assert.deepEqual(Object.fromEntries([...counted].sort()), Object.fromEntries([...ticksPerSubject].sort()), 'each subject counted each of its ticks exactly once');

    // Webhooks: per matching event one idempotency key, and every matching event delivered.
    const keysOf = (path: string, field: string) => {
      const byValue = new Map<string, Set<string>>();
      for (const r of receiver!.requests.filter((q) => q.url === path)) {
        const value = JSON.parse(r.body)[field] as string;
        byValue.set(value, (byValue.get(value) ?? new Set()).add(String(r.headers['idempotency-key'])));
      }
      return byValue;
    };
    const even = keysOf('/even', 'event');
    assert.deepEqual([...even.keys()].sort(), numbers.filter((n) => n % 2 === 0).map((n) => `ev-${n}`).sort(), 'every matching event delivered, no other');
    for (const [event, keys] of even) assert.equal(keys.size, 1, `event ${event} fired once (keys: ${[...keys].join(', ')})`);
    const echoes = keysOf('/echo', 'of');
    assert.deepEqual([...echoes.keys()].sort(), numbers.filter((n) => n % 3 === 0).map((n) => `ev-${n}`).sort(), 'every emitted event relayed and acted on');
    for (const [of, keys] of echoes) assert.equal(keys.size, 1, `the echo of ${of} was emitted once (keys: ${[...keys].join(', ')})`);

    const metrics = await (await fetch(`${url}/metrics`, { headers: admin })).text();
    const sinceStart = Number(/ifthen_retention_deleted_total\{kind="events"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    console.log(`crash + retention: ${next} events, ${KILLS} kills, events deleted at each kill ${deletedAtKill.join(', ')}, ${deletedEvents()} in all (${sinceStart} since the last start), ${receiver.requests.length} webhook requests, ${transient.count} failed /readyz polls`);
    assert.equal(await stopChild(server), 0, server.output());
  } finally {
    if (server) await stopChild(server, 0);
    await load?.abandon();
    db?.close();
    await receiver?.close();
    dir.remove();
  }
});

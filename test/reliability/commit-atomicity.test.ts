// A processor commit is all or nothing. For each stage of the SQLite commit: a fault thrown there leaves no
// trace of the batch and a clean retry stores it exactly once; and a real SIGKILL there, in a server with
// rules that set, emit and call a webhook, loses no acknowledged event and doubles no effect after restart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { COMMIT_STAGES, type CommitStage } from '../../src/store/sqlite/sqlite-pipeline-store.ts';
import { openApiStores, openPipelineStores } from '../../src/store/open.ts';
import { PROCESSOR_CONSUMER } from '../../src/processor/processor.ts';
import { T0, withHarness, type Harness } from '../processor/harness.ts';
import { batch, firing, newEvent, subjectState, timer } from '../store/conformance/fixtures.ts';
import { ADMIN_TOKEN, freePort, spawnChildServer, startChildServer, tempDir, type ChildServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

class ProbeFault extends Error {}

const ORDER_RULE = (hook: string) => ({
  id: 'on-order', when: { event: 'order_placed' },
  then: [
    { set: { orders: '{{ subject.orders | plus: 1 }}', last: '{{ event.properties.n }}' } },
    { emit: { event: 'order_noted', properties: { n: '{{ event.properties.n }}' } } },
    { webhook: { url: hook, body: { event: '{{ event.id }}' } } },
  ],
});
const NOTED_RULE = { id: 'on-noted', when: { event: 'order_noted' }, then: [{ set: { noted: '{{ subject.noted | plus: 1 }}' } }] };

/** What the processor has stored, read through the contracts. */
async function snapshot(h: Harness) {
  const { history } = h.api;
  const { pipeline, log } = h.stores;
  const cursor = await pipeline.cursor(PROCESSOR_CONSUMER, 0);
  return {
    unprocessed: (await log.read(0, cursor, 100)).map((e) => e.id),
    subjects: { u1: await h.attributes('u1'), u2: await h.attributes('u2'), hand: await h.attributes('hand') },
    firings: (await history.firings({ limit: 100 })).items.map((f) => f.eventIds[0]).sort(),
    deliveries: (await history.deliveries({ limit: 100 })).items.map((d) => d.id).sort(),
    emits: (await pipeline.pendingEmits(100)).map((e) => e.causationId).sort(),
    timers: (await pipeline.dueTimers(0, T0 + 1e9, 100)).map((t) => t.id).sort(),
    failures: (await history.eventFailures({ limit: 100 })).items.map((f) => `${f.eventId}:${f.stage}`).sort(),
    ruleErrors: (await history.ruleErrors('hand-rule')).map((e) => e.message),
  };
}

describe('a commit that fails at one of its stages', () => {
  for (const stage of COMMIT_STAGES) {
    it(`stores nothing of the batch when it fails at "${stage}", and all of it exactly once on a clean retry`, { timeout: 20_000 }, async () => {
      let armed: CommitStage | undefined;
      const commitProbe = (reached: CommitStage) => {
        if (reached === armed) throw new ProbeFault(`fault at ${reached}`);
      };
      await withHarness(async (h) => {
        await h.saveRule(ORDER_RULE('https://hooks.example/orders'));
        await h.stores.pipeline.commit(batch(null, null, { timers: [timer({ id: 'due', dueAt: T0 - 1 })] }));
        const [o1, o2, bad] = await h.send([
          { type: 'order_placed', subject: 'u1', properties: { n: 1 } },
          { type: 'order_placed', subject: 'u2', properties: { n: 2 } },
          { type: 'order_placed', subject: 'u1', properties: { n: 3 }, time: 9e15 }, // the engine throws on it: a recorded failure
        ]);
        const processor = h.processor();
        const before = await snapshot(h);

        armed = stage;
        await assert.rejects(processor.processBatch(), ProbeFault);
        assert.deepEqual(await snapshot(h), before, 'nothing of the batch is visible');

        armed = undefined;
        assert.deepEqual(await h.drain(processor), []);
        const after = await snapshot(h);
        assert.deepEqual(after.unprocessed, []);
        assert.deepEqual(after.subjects, { u1: { orders: 1, last: 1 }, u2: { orders: 1, last: 2 }, hand: undefined });
        assert.deepEqual(after.firings, [o1.id, o2.id].sort());
        assert.equal(after.deliveries.length, 2);
        assert.deepEqual(after.emits, [o1.id, o2.id].sort());
        assert.deepEqual(after.timers, []);
        assert.deepEqual(after.failures, [`${bad.id}:step`]);

        // A batch with what the processor cannot produce yet (new timers, rule errors), committed by hand.
        const cursor = await h.stores.pipeline.cursor(PROCESSOR_CONSUMER, 0);
        const f = firing({ ruleId: 'hand-rule', subject: 'hand', hosts: ['hand.example'] });
        const work = batch(cursor, cursor, {
          subjects: [{ state: subjectState('hand', { made: 'by hand' }), version: 0 }], firings: [f],
          emits: [newEvent({ id: 'hand-emit', causationId: 'hand-cause' })], timers: [timer({ id: 'hand-timer', dueAt: T0 })],
          failures: [{ eventId: 'hand-failed', partition: 0, cursor: '', stage: 'step', error: 'x', at: T0 }],
          ruleErrors: [{ ruleId: 'hand-rule', eventId: 'hand-ev', message: 'hand error', at: T0 }],
        });
        armed = stage;
        await assert.rejects(h.stores.pipeline.commit(work), ProbeFault);
        assert.deepEqual(await snapshot(h), after, 'nothing of the hand-made batch is visible');
        armed = undefined;
        await h.stores.pipeline.commit(work);
        const done = await snapshot(h);
        assert.deepEqual(done.subjects.hand, { made: 'by hand' });
        assert.deepEqual(done.firings, [...after.firings, f.eventIds[0]].sort());
        assert.deepEqual(done.deliveries, [...after.deliveries, f.deliveries[0].id].sort());
        assert.deepEqual(done.emits, [...after.emits, 'hand-cause'].sort());
        assert.deepEqual(done.timers, ['hand-timer']);
        assert.deepEqual(done.failures, [...after.failures, 'hand-failed:step'].sort());
        assert.deepEqual(done.ruleErrors, ['hand error']);
      }, { commitProbe });
    });
  }
});

// ---- A real SIGKILL inside the commit ----

const EVENTS = 20;
const SUBJECTS = 5;

async function call(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5000),
  });
}

/** Sends the batch until a 2xx says it is stored (same ids each time, as a client retries); false if the server died first. */
async function sendUntilStored(server: ChildServer, events: readonly object[]): Promise<boolean> {
  for (;;) {
    if (server.process.exitCode !== null || server.process.signalCode !== null) return false;
    try {
      const response = await call(server.url, 'POST', '/v1/events', events);
      await response.arrayBuffer();
      if (response.ok) return true;
    } catch { /* dying */ }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopServer(server: ChildServer | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!server || server.process.exitCode !== null || server.process.signalCode !== null) return;
  server.process.kill(signal);
  await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
}

describe('a server killed inside a commit', () => {
  // Each start of the server costs seconds, so the stages are chained: the first kill lands in the middle of
  // the stream (acknowledged events not yet processed); each later run dies at its stage while it recovers
  // from the kill before; the last run, without IFTHEN_TEST_CRASH_AT, recovers from them all.
  const stages = ['subjects', 'deliveries', 'emits', 'position'] as const satisfies readonly CommitStage[];
  it(`processes every acknowledged event exactly once after SIGKILLs at ${stages.join(', ')}`, { timeout: 120_000 }, async () => {
    const dir = tempDir('ifthen-atomicity-');
    let receiver: Receiver | undefined;
    let server: ChildServer | undefined;
    try {
      receiver = await startReceiver();
      const port = await freePort();
      const env = { IFTHEN_DELIVERY_BACKOFF_MS: '50', IFTHEN_DELIVERY_BACKOFF_MAX_MS: '200' };
      const assertKilledAt = async (stage: CommitStage) => {
        await Promise.race([server!.exited, new Promise((r) => setTimeout(r, 30_000))]);
        assert.equal(server!.process.signalCode, 'SIGKILL', `the server died inside the commit at ${stage}:\n${server!.output()}`);
      };

      // The second processor commit dies: the first batch is stored, then the process is killed inside the next.
      server = await startChildServer(dir.path, port, { ...env, IFTHEN_TEST_CRASH_AT: `${stages[0]}:2` });
      for (const rule of [ORDER_RULE(`${receiver.url}/hook`), NOTED_RULE]) {
        const response = await call(server.url, 'PUT', `/v1/rules/${rule.id}`, rule);
        assert.equal(response.status, 201, await response.text());
      }
      const events = Array.from({ length: EVENTS }, (_, n) => ({ id: `order-${n}`, type: 'order_placed', subject: `s${n % SUBJECTS}`, properties: { n } }));
      const halves = [events.slice(0, EVENTS / 2), events.slice(EVENTS / 2)];
      const stored = [await sendUntilStored(server, halves[0])];
      await new Promise((r) => setTimeout(r, 200));
      stored.push(await sendUntilStored(server, halves[1]));
      assert.ok(stored[0], 'the first half was stored before the kill');
      await assertKilledAt(stages[0]);

      for (const stage of stages.slice(1)) {
        // The batch the last run died in is not stored: this run's first commit processes it again, and dies.
        server = spawnChildServer(dir.path, port, { ...env, IFTHEN_TEST_CRASH_AT: `${stage}:1` });
        await assertKilledAt(stage);
      }

      server = await startChildServer(dir.path, port, env);
      if (!stored[1]) assert.ok(await sendUntilStored(server, halves[1]), 'the second half is stored after the restart');
      const url = server.url;
      await waitFor('every event processed and every webhook delivered', async () => {
        const ready = await (await call(url, 'GET', '/readyz')).json();
        const noted = await (await call(url, 'GET', '/v1/firings?rule=on-noted&limit=500')).json();
        const keys = new Set(receiver!.requests.map((r) => r.headers['idempotency-key']));
        return ready.lagEvents === 0 && noted.items.length >= EVENTS && keys.size >= EVENTS;
      }, 30_000);
      await new Promise((r) => setTimeout(r, 300)); // anything doubled would show up by now
      await stopServer(server, 'SIGTERM');

      const config = loadConfig({ IFTHEN_DATA: dir.path });
      const api = openApiStores(config);
      const pipeline = openPipelineStores(config);
      try {
        const firings = (await api.history.firings({ rule: 'on-order', limit: 500 })).items;
        assert.deepEqual(firings.map((f) => f.eventIds[0]).sort(), events.map((e) => e.id).sort(), 'one firing per acknowledged event');
        const noted = (await api.history.events({ type: 'order_noted', limit: 500 })).items;
        assert.deepEqual(noted.map((e) => e.causationId).sort(), events.map((e) => e.id).sort(), 'each emitted event is in the log exactly once');
        assert.deepEqual(await pipeline.pipeline.pendingEmits(10), [], 'and none is left waiting');
        assert.equal((await api.history.firings({ rule: 'on-noted', limit: 500 })).items.length, EVENTS, 'each emitted event fired its rule once');
        for (let s = 0; s < SUBJECTS; s++) {
          const last = Math.max(...events.filter((e) => e.subject === `s${s}`).map((e) => e.properties.n));
          assert.deepEqual({ ...(await api.history.subject(`s${s}`))?.attributes }, { orders: EVENTS / SUBJECTS, last, noted: EVENTS / SUBJECTS }, `subject s${s}`);
        }
        const expectedKeys = new Set(firings.map((f) => `${f.id}.2`));
        const seenKeys = new Set(receiver.requests.map((r) => String(r.headers['idempotency-key'])));
        assert.deepEqual([...seenKeys].sort(), [...expectedKeys].sort(), 'every webhook idempotency key seen, and no other');
        const seenEvents = receiver.requests.map((r) => JSON.parse(r.body).event as string);
        assert.deepEqual([...new Set(seenEvents)].sort(), events.map((e) => e.id).sort());
        assert.deepEqual((await api.history.eventFailures({ limit: 10 })).items, [], 'nothing was passed over');
      } finally {
        api.close();
        pipeline.close();
      }
    } finally {
      await stopServer(server, 'SIGKILL');
      await receiver?.close();
      dir.remove();
    }
  });
});

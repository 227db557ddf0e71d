// kill -9 under load, five times: every acknowledged event is stored exactly once, every matching event fires
// exactly once, the receiver sees every expected idempotency key and no other, subject state written by a `set`
// rule counts every event exactly once, and a `emit` rule's events exist exactly once. Load must be flowing at
// each kill (checked), and the child server, receiver and database are closed whatever happens.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { freePort, readiness, startChildServer, stopChild, tempDir, ADMIN_TOKEN, type ChildServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { startRetryingLoad, type RetryingLoad } from '../support/retrying-load.ts';

const KILLS = 5;
const BATCH = 20;
const SUBJECTS = 50;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

const RULES = [
  { id: 'on-even', when: { event: 'tick', where: 'event.properties.even == true' }, then: [{ webhook: { url: 'RECEIVER/hook', body: { event: '{{ event.id }}' } } }] },
  // Subject state: a counter per subject, read and written in the processor's commit.
  { id: 'count', when: { event: 'tick' }, then: [{ set: { ticks: '{{ subject.ticks | default: 0 | plus: 1 }}' } }] },
  // Emitted events: one per third tick, through the emit outbox and its relay.
  { id: 'echo', when: { event: 'tick', where: 'event.properties.echo == true' }, then: [{ emit: { event: 'echoed', properties: { of: '{{ event.id }}' } } }] },
];

it('loses nothing and doubles nothing across repeated SIGKILLs under load', { timeout: 180_000 }, async () => {
  const dir = tempDir('ifthen-crash-');
  const port = await freePort();
  const env = { IFTHEN_DELIVERY_BACKOFF_MS: '50', IFTHEN_DELIVERY_BACKOFF_MAX_MS: '500' };
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

    // The load: numbered events in batches; a batch that got no 2xx is sent again (same ids) until it does,
    // as a real client would. Half the events match the webhook rule, a third the emit rule, all the set rule.
    let next = 0;
    load = startRetryingLoad({
      url, workers: 4,
      next: () => Array.from({ length: BATCH }, () => {
        const n = next++;
        return { id: `ev-${n}`, type: 'tick', subject: `s${n % SUBJECTS}`, properties: { even: n % 2 === 0, echo: n % 3 === 0, n } };
      }),
      onAck: (_events, body) => assert.equal(body.rejected, 0),
    });
    const { acked } = load;

    const flowing: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Load must be flowing into this server before it is killed: wait for new acknowledgements, then a random moment.
      const before = acked.size;
      const deadline = Date.now() + 15_000;
      while (acked.size < before + 2 * BATCH) {
        if (Date.now() > deadline) throw new Error(`no load reached the server before kill ${kill + 1} (${acked.size - before} events acknowledged)`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 600));
      flowing.push(acked.size - before);
      server.process.kill('SIGKILL');
      await server.exited;
      server = await startChildServer(dir.path, port, env);
    }
    await new Promise((r) => setTimeout(r, 500));
    await load.stop();

    // Wait until every event (emitted ones included) is processed and every delivery is delivered.
    const sent = next;
    const deadline = Date.now() + 60_000;
    db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    const transient = { count: 0 }; // /readyz requests that failed while the server ran (reported below)
    for (;;) {
      const ready = await readiness(server!, transient);
      if (!ready) { await new Promise((r) => setTimeout(r, 200)); continue; }
      const open = db.prepare("SELECT COUNT(*) FROM deliveries WHERE status != 'delivered'").pluck().get() as number;
      const unrelayed = db.prepare('SELECT COUNT(*) FROM emit_outbox').pluck().get() as number;
      if (ready.lagEvents === 0 && open === 0 && unrelayed === 0) break;
      if (Date.now() > deadline) throw new Error(`not drained: lag ${ready.lagEvents}, open deliveries ${open}, emits not relayed ${unrelayed}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const stored = db.prepare("SELECT id FROM events WHERE type = 'tick'").pluck().all() as string[];
    const storedSet = new Set(stored);
    assert.equal(stored.length, storedSet.size, 'no event stored twice');
    for (const id of acked) assert.ok(storedSet.has(id), `acknowledged event ${id} is stored`);
    assert.equal(acked.size, sent, 'the client eventually got every batch acknowledged');
    const numbers = [...acked].map((id) => Number(id.slice(3)));

    // Webhooks: one firing per matching event, each key delivered, no other key.
    const matching = numbers.filter((n) => n % 2 === 0).map((n) => `ev-${n}`);
    const firings = db.prepare("SELECT id, event_ids FROM firings WHERE rule_id = 'on-even'").all() as { id: string; event_ids: string }[];
    assert.equal(firings.length, matching.length, 'exactly one firing per matching acknowledged event');
    const firedEvents = new Set(firings.map((f) => JSON.parse(f.event_ids)[0] as string));
    for (const id of matching) assert.ok(firedEvents.has(id), `event ${id} fired`);
    const expectedKeys = new Set(firings.map((f) => `${f.id}.0`));
    const seenKeys = new Set(receiver.requests.map((r) => String(r.headers['idempotency-key'])));
    for (const key of expectedKeys) assert.ok(seenKeys.has(key), `receiver saw ${key}`);
    for (const key of seenKeys) assert.ok(expectedKeys.has(key), `receiver saw no unexpected key (${key})`);
    const seenEvents = new Set(receiver.requests.map((r) => JSON.parse(r.body).event as string));
    assert.equal(seenEvents.size, matching.length);

    // Subject state: each subject's counter equals the number of its ticks (a batch applied twice, or lost, shows).
    const ticksPerSubject = new Map<string, number>();
    for (const n of numbers) ticksPerSubject.set(`s${n % SUBJECTS}`, (ticksPerSubject.get(`s${n % SUBJECTS}`) ?? 0) + 1);
    const subjects = db.prepare('SELECT id, attributes FROM subjects').all() as { id: string; attributes: string }[];
    const counted = new Map(subjects.map((s) => [s.id, Number(JSON.parse(s.attributes).ticks)]));
    assert.deepEqual(Object.fromEntries([...counted].sort()), Object.fromEntries([...ticksPerSubject].sort()), 'each subject counted each of its ticks exactly once');

    // Emitted events: exactly one per matching tick.
    const echoed = db.prepare("SELECT causation_id FROM events WHERE type = 'echoed'").pluck().all() as string[];
    const expectedEchoes = numbers.filter((n) => n % 3 === 0).map((n) => `ev-${n}`).sort();
    assert.equal(echoed.length, new Set(echoed).size, 'no event emitted twice');
    assert.deepEqual([...echoed].sort(), expectedEchoes, 'every matching tick emitted its event');

    console.log(`crash test: ${sent} events sent, ${KILLS} kills (events acknowledged before each: ${flowing.join(', ')}), ${load.retries} unacknowledged attempts retried, ${firings.length} firings, ${receiver.requests.length} webhook requests (${receiver.requests.length - expectedKeys.size} redeliveries), ${echoed.length} emitted events, ${subjects.length} subjects, ${transient.count} failed /readyz polls`);
    assert.equal(await stopChild(server), 0, server.output());
  } finally {
    if (server) await stopChild(server, 0);
    await load?.abandon(); // on failure: at once, even with a batch not yet acknowledged
    db?.close();
    await receiver?.close();
    dir.remove();
  }
});

// kill -9 under load, five times or more: every acknowledged event is stored exactly once, every matching
// event fires exactly once, and the receiver sees every expected idempotency key and no other.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { freePort, startChildServer, tempDir, ADMIN_TOKEN, type ChildServer } from '../support/server.ts';
import { startReceiver } from '../support/receiver.ts';

const KILLS = 5;
const BATCH = 20;

it('loses nothing and doubles nothing across repeated SIGKILLs under load', { timeout: 180_000 }, async () => {
  const dir = tempDir('ifthen-crash-');
  const receiver = await startReceiver();
  const port = await freePort();
  const env = { IFTHEN_DELIVERY_BACKOFF_MS: '50', IFTHEN_DELIVERY_BACKOFF_MAX_MS: '500' };
  let server: ChildServer = await startChildServer(dir.path, port, env);
  const url = server.url;

  const put = await fetch(`${url}/v1/rules/on-even`, {
    method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'on-even', when: { event: 'tick', where: 'event.properties.even == true' }, then: [{ webhook: { url: `${receiver.url}/hook`, body: { event: '{{ event.id }}' } } }] }),
  });
  assert.equal(put.status, 201);

  // The load: numbered events in batches; a batch that got no 2xx is sent again (same ids) until it does,
  // as a real client would. Half the events match the rule.
  const acked = new Set<string>();
  let next = 0;
  let stopLoad = false;
  let attemptsWithoutAck = 0;
  const load = async (worker: number) => {
    let pending: { id: string; type: string; subject: string; properties: { even: boolean; n: number } }[] | undefined;
    while (!stopLoad || pending) {
      if (!pending) {
        pending = [];
        for (let i = 0; i < BATCH; i++) {
          const n = next++;
          pending.push({ id: `ev-${n}`, type: 'tick', subject: `s${n % 50}`, properties: { even: n % 2 === 0, n } });
        }
      }
      try {
        const response = await fetch(`${url}/v1/events`, {
          method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(pending),
          signal: AbortSignal.timeout(5000),
        });
        if (response.ok) {
          const body = await response.json();
          assert.equal(body.rejected, 0);
          for (const e of pending) acked.add(e.id);
          pending = undefined;
        } else {
          await response.arrayBuffer();
          attemptsWithoutAck++;
          await new Promise((r) => setTimeout(r, 20));
        }
      } catch {
        attemptsWithoutAck++;
        await new Promise((r) => setTimeout(r, 20 + worker));
      }
    }
  };
  const loaders = Array.from({ length: 4 }, (_, i) => load(i));

  for (let kill = 0; kill < KILLS; kill++) {
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
    server.process.kill('SIGKILL');
    await server.exited;
    server = await startChildServer(dir.path, port, env);
  }
  await new Promise((r) => setTimeout(r, 500));
  stopLoad = true;
  await Promise.all(loaders);

  // Wait until every event is processed and every delivery is delivered.
  const sent = next;
  const expectedKeys = new Set<string>();
  const deadline = Date.now() + 60_000;
  let db: Database.Database | undefined;
  for (;;) {
    const ready = await (await fetch(`${url}/readyz`)).json();
    db ??= new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    const open = db.prepare("SELECT COUNT(*) FROM deliveries WHERE status != 'delivered'").pluck().get() as number;
    if (ready.lagEvents === 0 && open === 0) break;
    if (Date.now() > deadline) throw new Error(`not drained: lag ${ready.lagEvents}, open deliveries ${open}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const stored = db.prepare("SELECT id FROM events WHERE type = 'tick'").pluck().all() as string[];
  const storedSet = new Set(stored);
  assert.equal(stored.length, storedSet.size, 'no event stored twice');
  for (const id of acked) assert.ok(storedSet.has(id), `acknowledged event ${id} is stored`);
  assert.equal(acked.size, sent, 'the client eventually got every batch acknowledged');

  const matching = [...acked].filter((id) => Number(id.slice(3)) % 2 === 0);
  const firings = db.prepare("SELECT id, event_ids FROM firings WHERE rule_id = 'on-even'").all() as { id: string; event_ids: string }[];
  assert.equal(firings.length, matching.length, 'exactly one firing per matching acknowledged event');
  const firedEvents = new Set(firings.map((f) => JSON.parse(f.event_ids)[0] as string));
  for (const id of matching) assert.ok(firedEvents.has(id), `event ${id} fired`);
  for (const f of firings) expectedKeys.add(`${f.id}.0`);

  const seenKeys = new Set(receiver.requests.map((r) => String(r.headers['idempotency-key'])));
  for (const key of expectedKeys) assert.ok(seenKeys.has(key), `receiver saw ${key}`);
  for (const key of seenKeys) assert.ok(expectedKeys.has(key), `receiver saw no unexpected key (${key})`);
  const seenEvents = new Set(receiver.requests.map((r) => JSON.parse(r.body).event as string));
  assert.equal(seenEvents.size, matching.length);

  console.log(`crash test: ${sent} events sent, ${KILLS} kills, ${attemptsWithoutAck} unacknowledged attempts retried, ${firings.length} firings, ${receiver.requests.length} webhook requests (${receiver.requests.length - expectedKeys.size} redeliveries)`);
  db.close();
  server.process.kill('SIGTERM');
  await server.exited;
  await receiver.close();
  dir.remove();
});

// kill -9 while absence timers are pending and due (MEMORY.md "absence", "Timers"): a `cart` opens an
// instance that an `order` of the same subject within 2 s cancels; otherwise the rule fires from a durable
// timer due at the deadline + the allowed lateness (500 ms here). Each kill is made while the store holds
// timers already due and timers still pending (checked). After the last restart, every timer comes due and
// fires: each cart that no on-time order cancelled reaches the loopback receiver under one idempotency key
// (redelivery of a key after a kill is allowed: delivery is at least once; firing is exactly once), and no
// cancelled cart's key ever does. The expected set is computed from the events as stored (their time and
// arrival decide lateness and the windows), so a batch retried after a kill, and so late, counts as it should.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { freePort, readiness, spawnChildServer, stopChild, tempDir, waitReady, ADMIN_TOKEN, type ChildServer, type EnvOverrides } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { startRetryingLoad, type LoadEvent, type RetryingLoad } from '../support/retrying-load.ts';

const KILLS = 3;
const WITHIN_MS = 2000;
const LATENESS_MS = 500;
/** Generous: a restart on a machine loaded by other test runs has taken more than 20 s. */
const READY_MS = 60_000;
const start = (dir: string, port: number, env: EnvOverrides) => waitReady(spawnChildServer(dir, port, env), READY_MS);
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

const RULE = {
  id: 'abandoned-cart',
  when: { event: 'cart', unless: { event: 'order', within: `${WITHIN_MS / 1000}s` } },
  then: [{ webhook: { url: 'RECEIVER/abandoned', body: { cart: '{{ event.id }}', subject: '{{ subject.id }}' } } }],
};

interface StoredEvent { id: string; type: string; subject: string; time: number; received_at: number }

/** Which carts must fire, from the stored events alone (MEMORY.md "Times" and "absence"). */
function expectedFirings(events: readonly StoredEvent[]): { fire: Set<string>; cancelled: Set<string>; late: number } {
  const tau = (e: StoredEvent) => Math.min(e.time, e.received_at);
  const late = (e: StoredEvent) => tau(e) < e.received_at - LATENESS_MS;
  const orders = new Map<string, StoredEvent[]>();
  for (const e of events) if (e.type === 'order' && !late(e)) orders.set(e.subject, [...(orders.get(e.subject) ?? []), e]);
  const fire = new Set<string>();
  const cancelled = new Set<string>();
  let lateCount = 0;
  for (const cart of events) {
    if (cart.type !== 'cart') continue;
    if (late(cart)) { lateCount++; continue; }
    const stop = (orders.get(cart.subject) ?? []).some((o) => tau(o) >= tau(cart) && tau(o) <= tau(cart) + WITHIN_MS);
    (stop ? cancelled : fire).add(cart.id);
  }
  return { fire, cancelled, late: lateCount + events.filter((e) => e.type === 'order' && late(e)).length };
}

it('fires every due absence timer exactly once across SIGKILLs, and none that an order cancelled', { timeout: 180_000 }, async () => {
  const dir = tempDir('ifthen-crash-timers-');
  const port = await freePort();
  const env = { IFTHEN_DELIVERY_BACKOFF_MS: '50', IFTHEN_DELIVERY_BACKOFF_MAX_MS: '500', IFTHEN_ALLOWED_LATENESS_MS: String(LATENESS_MS) };
  let receiver: Receiver | undefined;
  let server: ChildServer | undefined;
  let db: Database.Database | undefined;
  let load: RetryingLoad | undefined;
  try {
    receiver = await startReceiver();
    server = await start(dir.path, port, env);
    const put = await fetch(`${server.url}/v1/rules/${RULE.id}`, { method: 'PUT', headers: admin, body: JSON.stringify(RULE).replace('RECEIVER', receiver.url) });
    assert.equal(put.status, 201, await put.text());
    db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    const timers = (now: number) => db!.prepare('SELECT SUM(due_at <= ?) AS due, SUM(due_at > ?) AS pending FROM timers').get(now, now) as { due: number | null; pending: number | null };

    // Carts for new subjects; every other cart is followed by an order of its subject some 200-1500 ms later
    // (within the window), sent by the same worker in a later batch. Times are the client's clock at creation.
    let next = 0;
    const orders: { at: number; event: LoadEvent }[][] = [[], [], [], []];
    load = startRetryingLoad({
      url: server.url, workers: 4, pauseMs: 40,
      next(worker) {
        const now = Date.now();
        const due = orders[worker].filter((o) => o.at <= now);
        orders[worker] = orders[worker].filter((o) => o.at > now);
        const batch = due.map((o) => o.event);
        for (let i = 0; i < 5; i++) {
          const n = next++;
          const subject = `s${n}`;
          batch.push({ id: `cart-${n}`, type: 'cart', subject, time: now });
          if (n % 2 === 0) orders[worker].push({ at: now + 200 + (n % 7) * 200, event: { id: `order-${n}`, type: 'order', subject, time: now + 200 + (n % 7) * 200 } });
        }
        return batch;
      },
    });

    const seenAtKill: { due: number; pending: number }[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Kill only while some timers are due and not yet fired and others still pending.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const t = timers(Date.now());
        if ((t.due ?? 0) > 0 && (t.pending ?? 0) > 0) { seenAtKill.push({ due: t.due!, pending: t.pending! }); break; }
        if (Date.now() > deadline) throw new Error(`no due and pending timers before kill ${kill + 1}: ${JSON.stringify(t)}`);
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
      }
      server.process.kill('SIGKILL');
      await server.exited;
      server = await start(dir.path, port, env);
    }
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop(); // orders still queued are never sent: their carts fire (the expectation is read from what is stored)

    // Every timer fires (the last is due ~2.5 s after the last cart), every delivery is delivered.
    const deadline = Date.now() + 60_000;
    const transient = { count: 0 }; // /readyz requests that failed while the server ran (reported below)
    for (;;) {
      const ready = await readiness(server!, transient);
      if (!ready) { await new Promise((r) => setTimeout(r, 200)); continue; }
      const left = db.prepare('SELECT COUNT(*) FROM timers').pluck().get() as number;
      const open = db.prepare("SELECT COUNT(*) FROM deliveries WHERE status != 'delivered'").pluck().get() as number;
      if (ready.lagEvents === 0 && left === 0 && open === 0) break;
      if (Date.now() > deadline) throw new Error(`not drained: lag ${ready.lagEvents}, timers ${left}, open deliveries ${open}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const events = db.prepare("SELECT id, type, subject, time, received_at FROM events WHERE type IN ('cart', 'order')").all() as StoredEvent[];
    assert.equal(events.length, new Set(events.map((e) => e.id)).size, 'no event stored twice');
    for (const id of load.acked) assert.ok(events.some((e) => e.id === id), `acknowledged ${id} is stored`);
    const { fire, cancelled, late } = expectedFirings(events);
    assert.ok(fire.size > 20 && cancelled.size > 20, `a meaningful mix: ${fire.size} to fire, ${cancelled.size} cancelled`);

    const firings = db.prepare('SELECT id, event_ids FROM firings WHERE rule_id = ?').all(RULE.id) as { id: string; event_ids: string }[];
    const firedCarts = firings.map((f) => JSON.parse(f.event_ids)[0] as string);
    assert.equal(firedCarts.length, new Set(firedCarts).size, 'one firing per cart');
    for (const id of firedCarts) assert.ok(!cancelled.has(id), `${id} fired although an order cancelled it`);
    assert.deepEqual([...firedCarts].sort(), [...fire].sort(), 'exactly the carts that no on-time order cancelled fired');

    const expectedKeys = new Set(firings.map((f) => `${f.id}.0`));
    const keys = receiver.requests.filter((r) => r.url === '/abandoned').map((r) => String(r.headers['idempotency-key']));
    for (const key of expectedKeys) assert.ok(keys.includes(key), `receiver saw ${key}`);
    for (const key of keys) assert.ok(expectedKeys.has(key), `receiver saw no unexpected key (${key})`);
    const carts = new Set(receiver.requests.filter((r) => r.url === '/abandoned').map((r) => JSON.parse(r.body).cart as string));
    assert.deepEqual([...carts].sort(), [...fire].sort(), 'the receiver got a webhook for exactly the carts that must fire');

    console.log(`crash timers test: ${events.length} events (${late} late after a retry), ${KILLS} kills (due/pending timers at each: ${seenAtKill.map((s) => `${s.due}/${s.pending}`).join(', ')}), ${load.retries} posts retried, ${fire.size} carts fired, ${cancelled.size} cancelled, ${keys.length} webhook requests (${keys.length - expectedKeys.size} redeliveries), ${transient.count} failed /readyz polls`);
    assert.equal(await stopChild(server), 0, server.output());
  } finally {
    await load?.abandon();
    if (server) await stopChild(server, 0);
    db?.close();
    await receiver?.close();
    dir.remove();
  }
});

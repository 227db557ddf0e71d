// kill -9 in the middle of goal events (the pipeline killed inside a commit at its 'exposures' stage, after some
// batches of goal events committed and before others did): after restarts and a full resend of every event (the
// ingest dedupe answers `duplicate`), each goal event is counted once, each exposure exists once, and the outcome
// rows hold exactly the values the events give: a replay never doubles a goal value.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { freePort, spawnChildServer, stopChild, tempDir, waitReady, ADMIN_TOKEN, type ChildServer, type EnvOverrides } from '../support/server.ts';
import { until } from '../support/until.ts';
import { inHoldout } from '../../src/engine/holdout/assignment.ts';

const READY_MS = 60_000;
const N = 60;
// Recent: goal events older than IFTHEN_RETENTION_GOAL_EVENTS_MS (by event time) are deleted by retention.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 86_400_000;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const RULE = { id: 'promo', when: { event: 'cart_updated' }, then: [{ log: { message: 'hi {{ subject.id }}' } }], holdout: { percent: 50 }, goal: { event: 'order_completed', within: '1d', value: 'event.properties.revenue' } };

const carts = Array.from({ length: N }, (_, i) => ({ id: `cart-${i}`, type: 'cart_updated', subject: `s${i}`, time: T0 }));
const orders = Array.from({ length: N }, (_, i) => [
  { id: `order-${i}-a`, type: 'order_completed', subject: `s${i}`, time: T0 + 60_000, properties: { revenue: 5 } },
  { id: `order-${i}-b`, type: 'order_completed', subject: `s${i}`, time: T0 + 120_000, properties: { revenue: 7 } },
  { id: `order-${i}-pre`, type: 'order_completed', subject: `s${i}`, time: T0 - 60_000, properties: { revenue: 3 } },
]).flat();

async function send(server: ChildServer, events: readonly object[]): Promise<boolean> {
  try {
    for (let i = 0; i < events.length; i += 30) {
      const response = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify(events.slice(i, i + 30)) });
      await response.arrayBuffer();
      if (response.status !== 200) return false;
    }
    return true;
  } catch {
    return false; // killed while answering: the resend after the restart decides
  }
}

it('counts every goal event once across kill -9 inside the commit and replays', { timeout: 180_000 }, async () => {
  const dir = tempDir('ifthen-crash-exposures-');
  const port = await freePort();
  const env: EnvOverrides = { IFTHEN_PROCESS_BATCH: '20' };
  let server: ChildServer | undefined;
  let db: Database.Database | undefined;
  try {
    server = await waitReady(spawnChildServer(dir.path, port, env), READY_MS);
    const put = await fetch(`${server.url}/v1/rules/promo`, { method: 'PUT', headers: admin, body: JSON.stringify(RULE) });
    assert.equal(put.status, 201, await put.text());
    assert.ok(await send(server, carts));
    db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
    const count = (sql: string) => db!.prepare(sql).pluck().get() as number;
    await until(async () => count('SELECT count(*) FROM exposures') === N || undefined, 60_000)
      .catch((error: Error) => { throw new Error(`${error.message}: ${count('SELECT count(*) FROM exposures')} of ${N} exposures, ${count('SELECT count(*) FROM events')} events stored\n${server!.output().slice(-2000)}`); });
    await stopChild(server, 0);

    // The third commit reaching 'exposures' kills the process, inside its transaction: two batches of goal events are in, the rest is not.
    server = spawnChildServer(dir.path, port, { ...env, IFTHEN_TEST_CRASH_AT: 'exposures:3' });
    await waitReady(server, READY_MS);
    await send(server, orders);
    const code = await Promise.race([server.exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 30_000))]);
    assert.equal(code, null, `the server was killed by the probe (${code}):\n${server.output().slice(-2000)}`);
    const partial = count('SELECT count(*) FROM goal_events');
    assert.ok(partial < orders.length, `some goal events were not committed before the kill (${partial})`);

    // Again, with a kill at the next commit, then a clean run; every event is sent again each time.
    server = spawnChildServer(dir.path, port, { ...env, IFTHEN_TEST_CRASH_AT: 'exposures:1' });
    await waitReady(server, READY_MS).catch(() => undefined); // it may die before it answers /readyz
    await send(server, orders);
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 30_000))]);
    await stopChild(server, 0);
    server = await waitReady(spawnChildServer(dir.path, port, env), READY_MS);
    assert.ok(await send(server, [...carts, ...orders]), 'every event accepted (as new or duplicate)');
    await until(async () => count('SELECT count(*) FROM goal_events') === orders.length || undefined, 30_000).catch((error: Error) => {
      const failures = db!.prepare('SELECT event_id, stage, error FROM event_failures').all();
      const cursor = db!.prepare('SELECT cursor FROM cursors').all();
      const events = count('SELECT count(*) FROM events');
      const kinds = JSON.stringify(db!.prepare("SELECT substr(event_id, -2) AS kind, count(*) AS n FROM goal_events GROUP BY kind").all());
      throw new Error(`${error.message}: ${count('SELECT count(*) FROM goal_events')} of ${orders.length} goal events counted (${kinds}); ${events} events stored; cursors ${JSON.stringify(cursor)}; failures ${JSON.stringify(failures).slice(0, 1500)}\n${server!.output().slice(-3000)}`);
    });
    await until(async () => (await (await fetch(`${server!.url}/readyz`)).json() as { lagEvents: number }).lagEvents === 0 || undefined, 30_000);

    assert.equal(count('SELECT count(*) FROM exposures'), N);
    const rows = db.prepare("SELECT subject, grp, converted, value, pre_converted, pre_value FROM exposure_outcomes WHERE rule_id = 'promo' ORDER BY subject").all() as { subject: string; grp: number; converted: number; value: number; pre_converted: number; pre_value: number }[];
    assert.equal(rows.length, N);
    for (const r of rows) {
      assert.deepEqual([r.converted, r.value, r.pre_converted, r.pre_value], [1, 12, 1, 3], r.subject);
      assert.equal(r.grp, inHoldout('promo', r.subject, 50) ? 0 : 1);
    }
    assert.equal(count('SELECT sum(value) FROM goal_events'), N * 15);
  } finally {
    db?.close();
    if (server) await stopChild(server, 0);
    dir.remove();
  }
});

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { step } from '../../src/engine/step.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { rule, event, subject } from '../engine/helpers.ts';
import { deliveryRow, openStore, startDispatcher, waitFor, type Store } from './support.ts';

/** A receiver on one loopback address (127.0.0.N) and a given port (0: any); counts the requests it got. */
async function listen(address: string, port: number, answer: boolean): Promise<{ server: Server; port: number; requests: number }> {
  const state = { server: createServer((_req, res) => { state.requests++; if (answer) res.writeHead(200).end('ok'); }), port: 0, requests: 0 };
  await new Promise<void>((resolve) => state.server.listen(port, address, resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

let commits = 0;
/** Plans a firing with the real engine and commits it as the processor does; returns its delivery id. */
function fire(store: Store, hook: ReturnType<typeof rule>, last: number): string {
  const out = step(new RuleSet([hook]), subject(), { kind: 'event', event: event({ type: 'ping', properties: { last } }) }, { now: Date.now() });
  const n = ++commits;
  store.pipeline.commitSync({ consumer: `dest-${n}`, partition: 0, from: null, to: String(n), subjects: [], firings: out.firings, emits: [], timers: [], firedTimers: [], failures: [], ruleErrors: [] });
  return out.firings[0].deliveries[0].id;
}

test('deliveries of one rule to two rendered hosts are two destinations: a hanging one does not hold the other', async () => {
  const store = openStore();
  const hanging = await listen('127.0.0.2', 0, false);
  const healthy = await listen('127.0.0.3', hanging.port, true);
  // From the template alone both hosts are "127.0.0." (one destination); rendered, they are two.
  const hook = rule({ id: 'hook', when: { event: 'ping' }, then: [{ webhook: { url: `http://127.0.0.{{ event.properties.last }}:${hanging.port}/x`, timeout: '10s' } }] });
  const dispatcher = startDispatcher(store, { globalConcurrency: 8, perDestinationConcurrency: 1 });
  try {
    const stuck = [fire(store, hook, 2), fire(store, hook, 2)];
    dispatcher.wake();
    await waitFor(() => hanging.requests >= 1, 2000, 'the hanging host to take its slot');
    const delivered = [fire(store, hook, 3), fire(store, hook, 3)];
    dispatcher.wake();
    for (const id of delivered) await waitFor(() => deliveryRow(store, id).status === 'delivered', 3000, `${id} to the healthy host`);

    const destination = (id: string) => (store.db.prepare('SELECT destination FROM deliveries WHERE id = ?').get(id) as { destination: string }).destination;
    assert.equal(destination(stuck[0]), `127.0.0.2:${hanging.port}`);
    assert.equal(destination(delivered[0]), `127.0.0.3:${hanging.port}`);
    assert.equal(healthy.requests, 2);
    assert.equal(hanging.requests, 1, 'the hanging host keeps to its one slot');
  } finally {
    await dispatcher.stop(50);
    for (const { server } of [hanging, healthy]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    store.close();
  }
});

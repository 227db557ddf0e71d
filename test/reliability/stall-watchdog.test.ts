// The watchdog: a pipeline thread stuck in one evaluation is replaced, the input is recorded and passed over,
// /readyz recovers and /metrics never hangs; and a request to a worker that is gone is answered, never left waiting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerHandle, WorkerUnavailableError } from '../../src/app/worker-handle.ts';
import { ADMIN_TOKEN, freePort, startChildServer, stopChild, tempDir, type ChildServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { until } from '../support/until.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

describe('WorkerHandle', () => {
  // The checkpoint thread: the smallest worker; it answers `stop` and ignores anything else.
  const start = (dir: string) => new WorkerHandle('checkpoint-worker', { dbFile: `${dir}/c.db`, everyMs: 60_000 }, [], () => undefined);

  it('rejects what waits, and what is sent later, when the thread is killed (as the watchdog does)', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const handle = start(dir.path);
    try {
      await handle.ready;
      // No time limit on these requests: only the thread's end may answer them.
      const settle = (p: Promise<unknown>) => Promise.race([p.then(() => 'answered', (e: Error) => e), new Promise((r) => setTimeout(() => r('never answered'), 2000))]);
      const waiting = settle(handle.request((id) => ({ type: 'metrics', id }), 0));
      const killed = handle.kill();
      const later = settle(handle.request((id) => ({ type: 'metrics', id }), 0));
      await killed;
      const after = settle(handle.request((id) => ({ type: 'status', id }), 0));
      for (const outcome of [await waiting, await later, await after]) {
        assert.ok(outcome instanceof WorkerUnavailableError, `rejected as unavailable, not ${String(outcome)}`);
      }
    } finally {
      await handle.kill();
      dir.remove();
    }
  });

  it('rejects a request the thread does not answer in time', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const handle = start(dir.path);
    try {
      await handle.ready;
      const started = Date.now();
      await assert.rejects(handle.request((id) => ({ type: 'metrics', id }), 300), (e: Error) => e instanceof WorkerUnavailableError && /did not answer within 300 ms/.test(e.message));
      assert.ok(Date.now() - started < 2000);
    } finally {
      await handle.stop();
      dir.remove();
    }
  });
});

it('replaces a stuck pipeline thread: the input is passed over, /readyz recovers, /metrics always answers', { timeout: 60_000 }, async () => {
  const dir = tempDir('ifthen-stall-');
  let receiver: Receiver | undefined;
  let server: ChildServer | undefined;
  try {
    receiver = await startReceiver();
    server = await startChildServer(dir.path, await freePort(), { IFTHEN_STALL_TIMEOUT_MS: '1000', IFTHEN_TEST_STALL_EVENT: 'stuck-1' });
    const url = server.url;
    const put = await fetch(`${url}/v1/rules/hook`, { method: 'PUT', headers: admin, body: JSON.stringify({ when: { event: 'x' }, then: [{ webhook: { url: `${receiver.url}/hook`, body: { event: '{{ event.id }}' } } }] }) });
    assert.equal(put.status, 201);
    assert.equal((await fetch(`${url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'stuck-1', type: 'x', subject: 'u' }) })).status, 200);

    // While the thread is stuck and replaced: every ops request answers (no hang), readiness fails then recovers.
    const readiness: number[] = [];
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [ready, metrics] = await Promise.all([
        fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).then(async (r) => { await r.arrayBuffer(); return r.status; }),
        fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) }).then(async (r) => ({ status: r.status, text: await r.text() })),
      ]);
      assert.equal(metrics.status, 200, '/metrics answers while a thread is stuck or replaced');
      readiness.push(ready);
      if (/^ifthen_stalls_total\{thread="pipeline"\} 1$/m.test(metrics.text) && ready === 200) break;
      if (Date.now() > deadline) throw new Error(`no recovery: readiness ${readiness.join(',')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(readiness.includes(503), `/readyz reported the stuck thread: ${readiness.join(',')}`);

    // The stuck event is recorded and passed over; the next one is processed and delivered as usual.
    const failures = await until(async () => {
      const r = await (await fetch(`${url}/v1/failures`, { headers: admin })).json() as { items: { eventId: string; stage: string; error: string }[] };
      return r.items.length ? r.items : undefined;
    });
    assert.deepEqual(failures.map((f) => [f.eventId, f.stage]), [['stuck-1', 'stall']]);
    assert.match(failures[0].error, /IFTHEN_STALL_TIMEOUT_MS/);
    assert.equal((await fetch(`${url}/v1/events`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'after-1', type: 'x', subject: 'u' }) })).status, 200);
    await receiver.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(receiver.requests.map((r) => JSON.parse(r.body).event), ['after-1']);
    assert.equal(await stopChild(server), 0, server.output());
  } finally {
    if (server) await stopChild(server, 0);
    await receiver?.close();
    dir.remove();
  }
});

// SIGTERM under load: in-flight requests are answered, the process exits 0, and nothing acknowledged is lost.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { freePort, startChildServer, tempDir, ADMIN_TOKEN } from '../support/server.ts';

it("finishes in-flight work and exits cleanly on SIGTERM", { timeout: 30_000 }, async () => {
  const dir = tempDir('ifthen-term-');
  const port = await freePort();
  const server = await startChildServer(dir.path, port);
  const acked = new Set<string>();
  let n = 0;
  let stop = false;
  const load = async () => {
    while (!stop) {
      const batch = Array.from({ length: 50 }, () => ({ id: `t-${n++}`, type: 'x', subject: 's' }));
      try {
        const r = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
        if (r.ok) for (const e of batch) acked.add(e.id);
        else await r.arrayBuffer();
      } catch { stop = true; }
    }
  };
  const loaders = [load(), load(), load()];
  await new Promise((r) => setTimeout(r, 700));
  server.process.kill('SIGTERM');
  const code = await server.exited;
  stop = true;
  await Promise.all(loaders);
  assert.equal(code, 0, server.output());
  assert.ok(acked.size > 0);

  const db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
  const stored = new Set(db.prepare('SELECT id FROM events').pluck().all() as string[]);
  for (const id of acked) assert.ok(stored.has(id), `acknowledged ${id} is stored`);
  const position = Number(db.prepare("SELECT cursor FROM cursors WHERE consumer = 'processor' AND partition = 0").pluck().get() ?? 0);
  assert.ok((position ?? 0) > 0, 'the processor committed its position before exiting');
  db.close();
  dir.remove();
});

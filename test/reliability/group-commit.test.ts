// Group commit, counted by the kernel: the server runs under strace, which logs every fsync/fdatasync and
// every write of a WAL frame header (commit frames are counted and reported). N concurrent ingest requests must
// cost far fewer fdatasyncs of the WAL than N, and every acknowledged event must be on disk.
// CI installs strace (.ci/run); without it the test is skipped with a message, except under CI=true, where it fails.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ADMIN_TOKEN, freePort, startChildServer, stopChild, tempDir, type ChildServer } from '../support/server.ts';

// strace must be installed and allowed to trace (ptrace) here: probe it once with the options the test uses.
const STRACE = spawnSync('strace', ['-f', '--seccomp-bpf', '-qq', '-e', 'trace=fdatasync', '-e', 'inject=fdatasync:delay_exit=1', '-o', '/dev/null', 'true']).status === 0;

/** strace -x prints non-printable bytes as \xNN and a few C escapes. */
function unescape(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') { bytes.push(text.charCodeAt(i)); continue; }
    const c = text[++i];
    if (c === 'x') { bytes.push(parseInt(text.slice(i + 1, i + 3), 16)); i += 2; }
    else bytes.push({ n: 10, t: 9, r: 13, v: 11, f: 12, '0': 0 }[c] ?? c.charCodeAt(0));
  }
  return Buffer.from(bytes);
}

interface Counts { walSyncs: number; checkpointSyncs: number; commits: number }

/**
 * From strace lines: syncs of the -wal file, and WAL frame headers that end a transaction (commit frames).
 * The ingest path makes its commits durable with fdatasync (WalSync); SQLite's own syncs (checkpoints) use fsync.
 */
function count(trace: string): Counts {
  let walSyncs = 0;
  let checkpointSyncs = 0;
  let commits = 0;
  for (const line of trace.split('\n')) {
    // A call another thread interrupts is logged as `fdatasync(12</…-wal> <unfinished ...>`, resumed later.
    if (/\bfdatasync\(\d+<[^>]*-wal>/.test(line)) walSyncs++;
    if (/\bfsync\(\d+<[^>]*-wal>/.test(line)) checkpointSyncs++;
    // A frame header is a 24-byte write; bytes 4..7 (the database size after the commit) are non-zero only in
    // the last frame of a transaction.
    const frame = /\bpwrite64\(\d+<[^>]*-wal>, "((?:[^"\\]|\\.)*)", 24, \d+(?:\)| <unfinished)/.exec(line);
    if (frame && unescape(frame[1]).readUInt32BE(4) !== 0) commits++;
  }
  return { walSyncs, checkpointSyncs, commits };
}

it('shares fsyncs and transactions among concurrent ingest requests (counted with strace)', { timeout: 60_000, skip: STRACE || process.env.CI === 'true' ? false : 'strace is not installed or cannot trace here' }, async () => {
  assert.ok(STRACE, 'strace is needed to count fsyncs (CI installs it: .ci/run)');
  const dir = tempDir('ifthen-gc-');
  const traceFile = join(dir.path, 'strace.log');
  const data = join(dir.path, 'data');
  let server: ChildServer | undefined;
  try {
    server = await startChildServer(data, await freePort(), {}, {
      // Every fdatasync takes 20 ms more, as on a disk that really writes (tmpfs and some overlays sync at once,
      // where how many requests share a commit would depend only on CPU scheduling).
      wrap: ['strace', '-f', '--seccomp-bpf', '-qq', '-x', '-y', '-s', '24', '-e', 'trace=fsync,fdatasync,pwrite64', '-e', 'inject=fdatasync:delay_exit=20000', '-o', traceFile],
    });
    const post = (body: unknown) => fetch(`${server!.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const requests = 200;
    // Warm up: as many connections open as there will be concurrent requests, and the WAL file exists.
    await Promise.all(Array.from({ length: requests }, (_, i) => post({ id: `warm-${i}`, type: 'x', subject: 'u' }).then((r) => r.arrayBuffer())));
    await new Promise((r) => setTimeout(r, 300));

    // Calibration: one request alone costs at least one fsync of the WAL and one transaction.
    const solo = count(readFileSync(traceFile, 'utf8'));
    assert.equal((await post({ id: 'solo', type: 'x', subject: 'u' })).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    const afterSolo = count(readFileSync(traceFile, 'utf8'));
    assert.ok(afterSolo.walSyncs - solo.walSyncs >= 1, 'the trace sees the fsync of an acknowledged event');
    assert.ok(afterSolo.commits - solo.commits >= 1, 'the trace sees the commit of an acknowledged event');
    assert.ok(afterSolo.walSyncs - solo.walSyncs <= 3, 'one request alone costs about one fdatasync');

    const before = count(readFileSync(traceFile, 'utf8'));
    const responses = await Promise.all(Array.from({ length: requests }, (_, i) => post({ id: `gc-${i}`, type: 'x', subject: `u${i}` }).then((r) => r.status)));
    assert.deepEqual(new Set(responses), new Set([200]));
    await new Promise((r) => setTimeout(r, 300));
    const after = count(readFileSync(traceFile, 'utf8'));
    const walSyncs = after.walSyncs - before.walSyncs;
    const commits = after.commits - before.commits;
    console.log(`group commit: ${requests} concurrent requests, ${walSyncs} fdatasyncs of the WAL for ingest (+${after.checkpointSyncs - before.checkpointSyncs} fsyncs by checkpoints), ${commits} committed transactions (ingest and processor)`);
    // Without grouping: one fdatasync per request (about 200). Transactions are reported, not asserted: requests
    // that arrive one by one (a busy CPU) are written one by one, cheaply, and only their fsyncs are shared.
    // All syncs of the WAL count (SQLite's own fsync too: synchronous=FULL on each commit would be one per request).
    const syncs = walSyncs + after.checkpointSyncs - before.checkpointSyncs;
    assert.ok(syncs <= requests / 4, `${requests} concurrent requests cost ${syncs} syncs of the WAL`);

    // SIGTERM to the group: the server shuts down, and strace passes its exit code on.
    process.kill(-server.process.pid!, 'SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    const db = new Database(join(data, 'ifthen.db'), { readonly: true });
    try {
      assert.equal(db.prepare("SELECT COUNT(*) FROM events WHERE id LIKE 'gc-%'").pluck().get(), requests, 'every acknowledged event is stored');
    } finally {
      db.close();
    }
  } finally {
    if (server) await stopChild(server, 0);
    dir.remove();
  }
});

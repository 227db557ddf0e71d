// Retention deletes exactly what its policy says, on a real SQLite file and an injected clock: each kind just
// outside its period goes, just inside stays, and what is still needed stays whatever its age (unprocessed
// events, events a pending emit may append again, firings with deliveries, pending, in-flight and young dead
// deliveries, failures the processor has yet to pass over).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, type RetentionConfig } from '../../src/config.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteRetention } from '../../src/store/sqlite/sqlite-retention.ts';
import { RetentionTask } from '../../src/retention/retention-task.ts';
import { tempDir } from '../support/server.ts';

const T = 1_800_000_000_000;
const S = 1000;

function policy(overrides: Partial<RetentionConfig> = {}): RetentionConfig {
  return { ...loadConfig({}).retention, eventsMs: S, firingsMs: S, deliveredMs: S, deadMs: 2 * S, failuresMs: S, ruleErrorsMs: S, suppressionsMs: S, ...overrides };
}

function withDb(body: (db: SqliteDatabase, retention: SqliteRetention, file: string) => Promise<void>): Promise<void> {
  const dir = tempDir('ifthen-retention-');
  const file = join(dir.path, 'ifthen.db');
  const db = openDatabase(file);
  return body(db, new SqliteRetention(db, file), file).finally(() => { db.close(); dir.remove(); });
}

const insert = {
  event(db: SqliteDatabase, id: string, receivedAt: number, depth = 0) {
    db.prepare("INSERT INTO events (id, type, subject, time, received_at, properties, depth) VALUES (?, 'tick', 's', ?, ?, '{}', ?)").run(id, receivedAt, receivedAt, depth);
  },
  cursor(db: SqliteDatabase, seq: number) {
    db.prepare("INSERT INTO cursors (consumer, partition, cursor) VALUES ('processor', 0, ?) ON CONFLICT DO UPDATE SET cursor = excluded.cursor").run(String(seq));
  },
  firing(db: SqliteDatabase, id: string, time: number) {
    db.prepare("INSERT INTO firings (id, rule_id, rule_version, subject, event_ids, grp, trace, time) VALUES (?, 'r', 1, 's', '[]', 'treatment', '{}', ?)").run(id, time);
  },
  delivery(db: SqliteDatabase, id: string, status: string, createdAt: number, updatedAt: number) {
    db.prepare(`INSERT INTO deliveries (id, firing_id, rule_id, subject, action_index, kind, destination, spec, context, policy, status, created_at,
      window_started_at, next_attempt_at, updated_at, delivered_at) VALUES (?, ?, 'r', 's', 0, 'webhook', 'd', '{}', '{}', '{}', ?, ?, ?, ?, ?, ?)`)
      .run(id, id.split('.')[0], status, createdAt, createdAt, createdAt, updatedAt, status === 'delivered' ? updatedAt : null);
    db.prepare('INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms) VALUES (?, 1, ?, 1)').run(id, createdAt);
  },
  failure(db: SqliteDatabase, eventId: string, cursor: string, at: number) {
    db.prepare("INSERT INTO event_failures (event_id, partition, cursor, stage, error, at) VALUES (?, 0, ?, 'step', 'x', ?)").run(eventId, cursor, at);
  },
  ruleError(db: SqliteDatabase, eventId: string, at: number) {
    db.prepare("INSERT INTO rule_errors (rule_id, event_id, message, at) VALUES ('r', ?, 'x', ?)").run(eventId, at);
  },
  suppression(db: SqliteDatabase, eventId: string, at: number) {
    db.prepare("INSERT INTO suppressions (rule_id, subject, reason, event_id, at, detail) VALUES ('r', 's', 'capped', ?, ?, 'x')").run(eventId, at);
  },
  timer(db: SqliteDatabase, id: string, dueAt: number) {
    db.prepare("INSERT INTO timers (id, rule_id, subject, due_at, payload, partition) VALUES (?, 'r', 's', ?, '{}', 0)").run(id, dueAt);
  },
};

const ids = (db: SqliteDatabase, sql: string) => db.prepare(sql).pluck().all() as string[];
const pass = (retention: SqliteRetention, now: number, config = policy()) => new RetentionTask(retention, config, () => now).runPass();

test('events: processed and older than the period go; inside it, unprocessed, or still in the emit outbox they stay', () => withDb(async (db, retention) => {
  insert.event(db, 'old', T - 5 * S);
  insert.event(db, 'emitted', T - S - 1, 1);
  db.prepare("INSERT INTO emit_outbox (id, event) VALUES ('emitted', '{}')").run();
  insert.event(db, 'outside', T - S - 1);
  insert.event(db, 'inside', T - S);
  insert.event(db, 'young', T - 1);
  insert.cursor(db, 2);
  await pass(retention, T);
  assert.deepEqual(ids(db, 'SELECT id FROM events ORDER BY seq'), ['emitted', 'outside', 'inside', 'young'], 'only processed events go (cursor at 2)');
  insert.cursor(db, 5);
  const summary = await pass(retention, T);
  assert.deepEqual(ids(db, 'SELECT id FROM events ORDER BY seq'), ['emitted', 'inside', 'young'], 'a millisecond past the period goes, exactly at it stays; a pending emit stays');
  assert.equal(summary.deleted.events, 1);
  db.prepare('DELETE FROM emit_outbox').run();
  await pass(retention, T);
  assert.deepEqual(ids(db, 'SELECT id FROM events ORDER BY seq'), ['inside', 'young'], 'relayed, it goes');
}));

test('deliveries: delivered after their period, dead only after theirs from death; pending and in-flight never', () => withDb(async (db, retention) => {
  insert.delivery(db, 'f1.0', 'delivered', T - 10 * S, T - S - 1);
  insert.delivery(db, 'f2.0', 'delivered', T - 10 * S, T - S);
  insert.delivery(db, 'f3.0', 'dead', T - 10 * S, T - 2 * S - 1);
  insert.delivery(db, 'f4.0', 'dead', T - 10 * S, T - 2 * S);
  insert.delivery(db, 'f5.0', 'dead', T - 10 * S, T - S - 1);
  insert.delivery(db, 'f6.0', 'pending', T - 100 * S, T - 100 * S);
  insert.delivery(db, 'f7.0', 'delivering', T - 100 * S, T - 100 * S);
  const summary = await pass(retention, T);
  assert.deepEqual(ids(db, 'SELECT id FROM deliveries ORDER BY seq'), ['f2.0', 'f4.0', 'f5.0', 'f6.0', 'f7.0']);
  assert.deepEqual(ids(db, 'SELECT delivery_id FROM delivery_attempts ORDER BY delivery_id'), ['f2.0', 'f4.0', 'f5.0', 'f6.0', 'f7.0'], 'their attempts go with them');
  assert.deepEqual(summary.deleted, { delivered: 1, dead: 1 });
}));

test('firings: older than the period and without deliveries go, in the same pass as their last delivery', () => withDb(async (db, retention) => {
  insert.firing(db, 'gone', T - 2 * S);
  insert.firing(db, 'pending', T - 2 * S);
  insert.delivery(db, 'pending.0', 'pending', T - 2 * S, T - 2 * S);
  insert.firing(db, 'last-delivered', T - 2 * S);
  insert.delivery(db, 'last-delivered.0', 'delivered', T - 2 * S, T - 2 * S);
  insert.firing(db, 'dead-young', T - 2 * S);
  insert.delivery(db, 'dead-young.1', 'dead', T - 2 * S, T - S - 1);
  insert.firing(db, 'outside', T - S - 1);
  insert.firing(db, 'inside', T - S);
  await pass(retention, T);
  assert.deepEqual(ids(db, 'SELECT id FROM firings ORDER BY seq'), ['pending', 'dead-young', 'inside']);
}));

test('failures and rule errors: older than the period go, but not a failure the processor has yet to pass over', () => withDb(async (db, retention) => {
  insert.cursor(db, 10);
  insert.failure(db, 'processed-outside', '3', T - S - 1);
  insert.failure(db, 'timer-outside', '', T - S - 1);
  insert.failure(db, 'after-cursor', '11', T - S - 1);
  insert.failure(db, 'inside', '4', T - S);
  insert.ruleError(db, 'outside', T - S - 1);
  insert.ruleError(db, 'inside', T - S);
  await pass(retention, T);
  assert.deepEqual(ids(db, 'SELECT event_id FROM event_failures ORDER BY seq'), ['after-cursor', 'inside']);
  assert.deepEqual(ids(db, 'SELECT event_id FROM rule_errors ORDER BY seq'), ['inside']);
}));

test('suppressions: older than their own period go; timers are state, never deleted however old', () => withDb(async (db, retention) => {
  insert.suppression(db, 'outside', T - 2 * S - 1);
  insert.suppression(db, 'inside', T - 2 * S);
  insert.timer(db, 'ancient-pending', 1);
  insert.timer(db, 'due-long-ago', T - 100 * S);
  await pass(retention, T, policy({ suppressionsMs: 2 * S }));
  assert.deepEqual(ids(db, 'SELECT event_id FROM suppressions ORDER BY seq'), ['inside']);
  assert.deepEqual(ids(db, 'SELECT id FROM timers ORDER BY id'), ['ancient-pending', 'due-long-ago']);
  await pass(retention, T, policy({ suppressionsMs: 0 }));
  assert.deepEqual(ids(db, 'SELECT event_id FROM suppressions ORDER BY seq'), ['inside'], 'a period of 0 keeps them');
}));

test('goal events: older than their period by event time go, in steps of the asked size; exposures and outcomes stay', () => withDb(async (db, retention) => {
  const goal = db.prepare("INSERT INTO goal_events (rule_id, metric, subject, time, event_id, value) VALUES ('r', 'order', ?, ?, ?, 1)");
  for (let i = 1; i <= 5; i++) goal.run(`s${i}`, T - 3 * S - i, `old-${i}`);
  goal.run('s0', T - 3 * S, 'inside');
  db.prepare("INSERT INTO exposures (rule_id, salt, subject, grp, exposed_at, firing_id, rule_version) VALUES ('r', 'r', 's0', 1, 1, 'f', 1)").run();
  db.prepare("INSERT INTO exposure_outcomes (rule_id, salt, metric, subject, grp, exposed_at, window_ms) VALUES ('r', 'r', 'order', 's0', 1, 1, 1000)").run();
  const sweep = retention.sweep('goalEvents', T - 3 * S);
  assert.deepEqual(sweep.step(2), { deleted: 2, done: false });
  assert.deepEqual(sweep.step(2), { deleted: 2, done: false });
  assert.deepEqual(sweep.step(2), { deleted: 1, done: true });
  assert.deepEqual(ids(db, 'SELECT event_id FROM goal_events'), ['inside']);
  goal.run('s1', T - 4 * S, 'old-again');
  await pass(retention, T, policy({ goalEventsMs: 3 * S }));
  assert.deepEqual(ids(db, 'SELECT event_id FROM goal_events'), ['inside']);
  assert.equal(db.prepare('SELECT COUNT(*) FROM exposures').pluck().get(), 1);
  assert.equal(db.prepare('SELECT COUNT(*) FROM exposure_outcomes').pluck().get(), 1);
}));

test('a period of 0 keeps that kind forever', () => withDb(async (db, retention) => {
  insert.event(db, 'ancient', 1);
  insert.cursor(db, 1);
  insert.ruleError(db, 'ancient', 1);
  await pass(retention, T, policy({ eventsMs: 0 }));
  assert.deepEqual(ids(db, 'SELECT id FROM events'), ['ancient']);
  assert.deepEqual(ids(db, 'SELECT event_id FROM rule_errors'), []);
}));

test('a large backlog goes in many small transactions, and the free pages beyond a tenth of the file are returned', () => withDb(async (db, retention, file) => {
  const add = db.prepare("INSERT INTO events (id, type, subject, time, received_at, properties) VALUES (?, 'tick', 's', ?, ?, ?)");
  const padding = JSON.stringify({ text: 'x'.repeat(200) });
  db.transaction(() => { for (let i = 0; i < 60_000; i++) add.run(`e${i}`, T - 10 * S, T - 10 * S + (i < 50_000 ? 0 : 9 * S), padding); })();
  insert.cursor(db, 60_000);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const before = retention.disk();
  const steps: number[] = [];
  const summary = await new RetentionTask(retention, policy({ batchMs: 2 }), () => T, { onDeleted: (_kind, rows) => steps.push(rows) }).runPass();
  assert.equal(summary.deleted.events, 50_000);
  assert.ok(steps.length >= 5 && Math.max(...steps) <= 20_000, `deleted in small batches (${steps.length} of at most ${Math.max(...steps)})`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const after = retention.disk();
  assert.equal(db.pragma('auto_vacuum', { simple: true }), 2, 'a new database is made with auto_vacuum = INCREMENTAL');
  assert.ok(summary.reclaimedPages > 0);
  assert.ok(after.freePages <= Math.ceil(after.pages * 0.1) + 1, `free pages kept within a tenth (${after.freePages} of ${after.pages})`);
  assert.ok(after.fileBytes < before.fileBytes / 2, `the file shrank (${before.fileBytes} → ${after.fileBytes} bytes of ${file})`);
  assert.ok(Math.abs(after.rowEstimates.events - 10_000) <= 1, `estimated rows: ${after.rowEstimates.events}`);
}));

test('a pass that falls behind what arrives (still running after one interval) deletes in larger steps instead of shrinking them', () => withDb(async (db, retention) => {
  const add = db.prepare("INSERT INTO events (id, type, subject, time, received_at, properties) VALUES (?, 'tick', 's', ?, ?, '{}')");
  db.transaction(() => { for (let i = 0; i < 30_000; i++) add.run(`e${i}`, T - 10 * S, T - 10 * S); })();
  insert.cursor(db, 30_000);
  // A target of 0.5 ms a step, which a loaded machine never meets: alone, the batches would shrink towards 16 rows.
  const steps: number[] = [];
  const summary = await new RetentionTask(retention, policy({ batchMs: 0.5, intervalMs: 1 }), () => T, { onDeleted: (_kind, rows) => steps.push(rows) }).runPass();
  assert.equal(summary.deleted.events, 30_000);
  const whole = steps.slice(1, -1);
  assert.ok(whole.length > 0 && whole.every((rows) => rows >= 2_000), `steps once behind: ${steps.slice(0, 20).join(', ')}${steps.length > 20 ? ` … (${steps.length} steps)` : ''}`);
}));

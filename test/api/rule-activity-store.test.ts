// The rules list's store reads (sqlite-rule-activity.ts) on a real SQLite file: counts per rule and hour from the
// period's rows only, hours that are over kept in memory (a refresh reads the open hour), owner and last change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { HOUR_MS, SqliteRuleActivity } from '../../src/store/sqlite/sqlite-rule-activity.ts';
import { tempDir } from '../support/server.ts';

test('rule activity: grouped per rule and hour, final hours kept, the open hour read again', () => {
  const dir = tempDir();
  const file = join(dir.path, 'ifthen.db');
  const db = openDatabase(file);
  const reader = new SqliteRuleActivity(file);
  try {
    const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 30 * 60_000; // half past the hour
    const to = (Math.floor(now / HOUR_MS) + 1) * HOUR_MS;
    const from = to - 24 * HOUR_MS;
    let n = 0;
    const fire = (rule: string, at: number, grp = 'treatment') => db.prepare("INSERT INTO firings (id, rule_id, rule_version, subject, event_ids, grp, trace, time) VALUES (?, ?, 1, 's', '[]', ?, '{}', ?)").run(`f${n++}`, rule, grp, at);
    const suppress = (rule: string, at: number, reason: string) => db.prepare("INSERT INTO suppressions (rule_id, subject, reason, event_id, at, detail) VALUES (?, 's', ?, 'e', ?, '')").run(rule, reason, at);
    const audit = (target: string, action: string, detail: string, actor: string, at: number) => db.prepare('INSERT INTO audit (at, actor, action, target, detail, diff) VALUES (?, ?, ?, ?, ?, NULL)').run(at, actor, action, target, detail);
    fire('a', from - HOUR_MS); // before the period: not counted
    fire('a', from + 5 * HOUR_MS);
    fire('a', from + 5 * HOUR_MS + 1);
    fire('a', from + 5 * HOUR_MS, 'holdout');
    fire('b', now - 60_000);
    suppress('b', now - 60_000, 'capped');
    suppress('b', from + 2 * HOUR_MS, 'quiet_hours');
    audit('rule:a', 'rule.save', 'created (version 1)', 'alice (editor)', now - 3 * HOUR_MS);
    audit('rule:a', 'rule.disable', 'disabled (version 1)', 'bob (admin)', now - HOUR_MS);
    audit('rule:b', 'rule.enable', 'enabled (version 3)', 'carol (admin)', now - HOUR_MS);

    const first = reader.read({ from, to }, now);
    const fired = (rows: typeof first) => rows.firings.map((f) => [f.ruleId, f.hour - from / HOUR_MS, f.group, f.count]).sort();
    assert.deepEqual(fired(first), [['a', 5, 'holdout', 1], ['a', 5, 'treatment', 2], ['b', 23, 'treatment', 1]]);
    assert.deepEqual(first.suppressions.map((s) => [s.ruleId, s.hour - from / HOUR_MS, s.reason, s.count]).sort(), [['b', 2, 'quiet_hours', 1], ['b', 23, 'capped', 1]]);
    const changes = Object.fromEntries(first.changes.map((c) => [c.ruleId, c]));
    assert.equal(changes.a.created?.actor, 'alice (editor)');
    assert.equal(changes.a.last.actor, 'bob (admin)');
    assert.equal(changes.a.last.action, 'rule.disable');
    assert.equal(changes.b.created, null, 'created before the audit log: owner unknown');

    // A late row in a final hour is not read again (kept); one in the open hour is.
    fire('a', from + 5 * HOUR_MS + 2);
    fire('b', now - 30_000);
    const second = reader.read({ from, to }, now + 1000);
    assert.deepEqual(fired(second), [['a', 5, 'holdout', 1], ['a', 5, 'treatment', 2], ['b', 23, 'treatment', 2]]);
  } finally {
    reader.close();
    db.close();
    dir.remove();
  }
});

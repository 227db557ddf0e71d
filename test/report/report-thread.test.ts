// The report's reads in a thread of their own (report-thread.ts): the same answers as the in-thread reader on the
// same file, written after the thread started (its read-only connection sees new commits); closed, it says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { DAY_MS, SqliteReportReader, type DailyQuery } from '../../src/report/report-reader.ts';
import { ThreadReportReader } from '../../src/report/report-thread.ts';

const DAY0 = Date.UTC(2026, 10, 2);

test('the report thread answers as the in-thread reader and sees later commits; closed, it says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ifthen-report-thread-'));
  const file = join(dir, 'ifthen.db');
  const db = openDatabase(file);
  const thread = new ThreadReportReader(file);
  try {
    const outcome = db.prepare(`INSERT INTO exposure_outcomes (rule_id, salt, metric, subject, grp, exposed_at, window_ms, converted, value, pre_converted, pre_value)
      VALUES ('r', 's', 'buy', ?, ?, ?, ?, ?, ?, 0, 0)`);
    const exposure = db.prepare("INSERT INTO exposures (rule_id, salt, subject, grp, exposed_at, firing_id, rule_version) VALUES ('r', 's', ?, ?, ?, 'f', 1)");
    const add = (from: number, count: number) => db.transaction(() => {
      for (let i = from; i < from + count; i++) {
        const at = DAY0 + (i % 5) * DAY_MS + i * 1000;
        exposure.run(`u${i}`, i % 3 === 0 ? 0 : 1, at);
        outcome.run(`u${i}`, i % 3 === 0 ? 0 : 1, at, DAY_MS, i % 4 === 0 ? 1 : 0, i % 7);
      }
    })();
    db.prepare("INSERT INTO holdout_salts (rule_id, salt, since) VALUES ('r', 's', ?)").run(DAY0);
    add(0, 500);
    const local = new SqliteReportReader(db);
    const query: DailyQuery = { ruleId: 'r', salt: 's', metric: 'buy', kind: 'value', from: 0, to: Number.MAX_SAFE_INTEGER, now: DAY0 + 10 * DAY_MS };

    assert.deepEqual(await thread.daily(query), await local.daily(query));
    assert.deepEqual(await thread.experiments('r'), await local.experiments('r'));
    assert.equal(await thread.firstExposure('r', 's'), await local.firstExposure('r', 's'));
    assert.equal(await thread.firstExposure('r', 'other'), undefined);

    add(500, 300);
    const after = await thread.daily(query);
    assert.deepEqual(after, await local.daily(query));
    assert.equal(after.reduce((n, d) => n + d.control.n + d.treatment.n, 0), 800, 'the thread sees rows committed after it started');

    await thread.close();
    await assert.rejects(thread.daily(query), /the report thread is closed/);
  } finally {
    await thread.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// sqlite-exposures.ts through the pipeline store's commit, on the real SQLite file: first exposure only, outcome
// rows from goal events stored before, goal events counted once (a goal event seen again, e.g. re-ingested after
// the dedupe window, does not add its value twice), windows bounded on both sides, older salts still maturing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.ts';
import { openPipelineStores } from '../../src/store/open.ts';
import { REPORT_SETTLE_MS, type ProcessedBatch } from '../../src/store/contracts.ts';
import type { Firing, GoalHit } from '../../src/engine/types.ts';
import { tempDir } from '../support/server.ts';
import { SqliteHoldoutSalts } from '../../src/store/sqlite/sqlite-exposures.ts';

const T = 1_700_000_000_000;
const H = 3_600_000;
const metrics = [{ name: 'order', withinMs: 24 * H }];

function firing(subject: string, at: number, group: Firing['group'] = 'treatment', salt = 'r1', id = `f-${subject}-${at}`): Firing {
  return {
    id, ruleId: 'r1', ruleVersion: 1, subject, eventIds: ['e'], group, time: at, trace: { rule: 'r1', version: 1, event: 'e', matched: true, steps: [] }, deliveries: [],
    exposure: { salt, globalControl: false, at, metrics },
  };
}
const hit = (subject: string, time: number, value: number, eventId = `g-${subject}-${time}`, salt = 'r1'): GoalHit => ({ ruleId: 'r1', salt, metric: 'order', subject, value, time, eventId });

/** A pipeline store on a fresh file, a read-only view of it, and a commit of firings and goal hits alone. */
function openStore(prefix: string) {
  const dir = tempDir(prefix);
  const stores = openPipelineStores(loadConfig({ IFTHEN_DATA: dir.path }));
  const db = new Database(join(dir.path, 'ifthen.db'), { readonly: true });
  const commit = (firings: Firing[], goalHits: GoalHit[]) => stores.pipeline.commit({
    consumer: 'processor', partition: 0, from: null, to: null, subjects: [], firings, emits: [], timers: [], firedTimers: [], failures: [], ruleErrors: [], goalHits,
  } satisfies ProcessedBatch);
  return { dir, db, commit, close: () => { db.close(); stores.close(); dir.remove(); } };
}

describe('exposures and outcomes in the store', () => {
  it('keeps the first exposure, fills outcomes from either order, and counts each goal event once', async () => {
    const { dir, db, commit, close } = openStore('ifthen-exposures-');
    try {
      await commit([], [hit('a', T + H, 10), hit('a', T - H, 4), hit('a', T + 25 * H, 100), hit('a', T, 1000)]);
      await commit([firing('a', T), firing('b', T, 'holdout')], [hit('b', T + 2 * H, 3)]);
      await commit([firing('a', T + 5 * H, 'treatment', 'r1', 'later')], [hit('a', T + 2 * H, 5), hit('a', T + H, 10), hit('b', T + 24 * H, 1), hit('b', T - 24 * H, 2)]);
      const row = (s: string) => db.prepare("SELECT grp, exposed_at, converted, value, pre_converted, pre_value FROM exposure_outcomes WHERE subject = ? AND salt = 'r1'").get(s);
      // a: 10 (before the exposure was stored) + 5 (after); 100 is past the window, 1000 at the exposure instant is neither; the repeat of 10 is not counted.
      assert.deepEqual(row('a'), { grp: 1, exposed_at: T, converted: 1, value: 15, pre_converted: 1, pre_value: 4 });
      // b: 3 in the same commit as the exposure, 1 on the window's last millisecond; 2 on the pre window's first.
      assert.deepEqual(row('b'), { grp: 0, exposed_at: T, converted: 1, value: 4, pre_converted: 1, pre_value: 2 });
      assert.equal(db.prepare('SELECT count(*) FROM exposures').pluck().get(), 2);
      assert.equal(db.prepare("SELECT firing_id FROM exposures WHERE subject = 'a'").pluck().get(), `f-a-${T}`);

      // After a reshuffle, exposures under the old salt keep maturing; the new salt's are separate rows.
      const writer = new Database(join(dir.path, 'ifthen.db'));
      const salts = new SqliteHoldoutSalts(writer);
      await salts.record('r1', 'r1', T - H);
      await salts.record('r1', 'r1.new', T + 9 * H, 'IFTHEN_ADMIN_TOKEN', 'test');
      assert.equal(await salts.current('r1'), 'r1.new');
      writer.close();
      await commit([firing('a', T + 10 * H, 'holdout', 'r1.new')], []);
      await commit([], [hit('a', T + 11 * H, 7, 'g-late', 'r1.new')]);
      assert.deepEqual(row('a'), { grp: 1, exposed_at: T, converted: 1, value: 22, pre_converted: 1, pre_value: 4 }, 'the old salt is recorded: its exposure still matures');
      const fresh = db.prepare("SELECT grp, converted, value, pre_value FROM exposure_outcomes WHERE subject = 'a' AND salt = 'r1.new'").get();
      assert.deepEqual(fresh, { grp: 0, converted: 1, value: 7 + 100, pre_value: 4 + 10 + 5 + 1000 }, 'the new exposure reads the goal events stored before it, on both sides');
    } finally {
      close();
    }
  });

  it('raises the rule\'s report revision for a write older than a day, not for a fresh one', async () => {
    const { db, commit, close } = openStore('ifthen-revisions-');
    try {
      const revision = () => db.prepare("SELECT revision FROM report_revisions WHERE rule_id = 'r1'").pluck().get() ?? 0;
      const now = Date.now();
      await commit([firing('fresh', now - H)], [hit('fresh', now - 1000, 5)]);
      assert.equal(revision(), 0, 'writes within the day leave cached report days alone');
      await commit([], [hit('fresh', now - 1000, 5)]);
      assert.equal(revision(), 0, 'a goal event seen again changes nothing');
      await commit([], [hit('backfilled', now - REPORT_SETTLE_MS - H, 5)]);
      assert.equal(revision(), 1, 'a goal event older than a day');
      await commit([firing('late', now - 3 * REPORT_SETTLE_MS)], []);
      assert.equal(revision(), 2, 'an exposure older than a day');
      await commit([firing('late', now - 3 * REPORT_SETTLE_MS)], []);
      assert.equal(revision(), 2, 'not a first exposure: nothing written');
    } finally {
      close();
    }
  });
});

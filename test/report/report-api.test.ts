// GET /v1/rules/{id}/report and `ifthen report` against the real server on loopback: exposures written into its
// SQLite file (as the pipeline writes them), the answer over HTTP, the errors, the CLI's words and its --json.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { runCli } from '../cli/cli.ts';
import { openDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { SqliteRuleStore } from '../../src/store/sqlite/sqlite-rule-store.ts';
import type { RuleDocument } from '../../src/engine/rule/schema.ts';

const DAY = 86_400_000;
const H = 3_600_000;
const DAY0 = Date.UTC(2026, 10, 2);

const HOLDOUT_RULE = {
  id: 'r-holdout', when: { event: 'cart_abandoned' }, then: [{ log: { message: 'remind' } }],
  holdout: { percent: 20, salt: 'exp-1' },
  goal: { event: 'order_completed', within: '3d' },
  guardrails: [{ event: 'unsubscribed', within: '3d' }],
};

/**
 * 20 % held out; the treatment converts at 40 %, the holdout at 20 %; nobody unsubscribes in the holdout, 1 in 25 of
 * the treatment does. Rows are written into the server's file as the pipeline writes them.
 */
function writeExperiment(dataDir: string, subjects: number): void {
  const db = new Database(join(dataDir, 'ifthen.db'), { timeout: 10_000 });
  try {
    const exposure = db.prepare("INSERT INTO exposures (rule_id, salt, subject, grp, global_control, exposed_at, firing_id, rule_version) VALUES ('r-holdout', 'exp-1', ?, ?, 0, ?, ?, 1)");
    const outcome = db.prepare("INSERT INTO exposure_outcomes (rule_id, salt, metric, subject, grp, exposed_at, window_ms, converted, value) VALUES ('r-holdout', 'exp-1', ?, ?, ?, ?, ?, ?, 0)");
    db.transaction(() => {
      db.prepare("INSERT INTO holdout_salts (rule_id, salt, since) VALUES ('r-holdout', 'exp-1', ?)").run(DAY0);
      for (let i = 0; i < subjects; i++) {
        const grp = i % 5 === 0 ? 0 : 1;
        const at = DAY0 + Math.floor((i / subjects) * 5) * DAY + (i % 20) * H;
        exposure.run(`u${i}`, grp, at, `f${i}`);
        outcome.run('order_completed', `u${i}`, grp, at, 3 * DAY, grp === 0 ? Number(i % 25 < 5) : Number(i % 5 < 3 && i % 5 > 0));
        outcome.run('unsubscribed', `u${i}`, grp, at, 3 * DAY, grp === 1 && i % 25 === 1 ? 1 : 0);
      }
    })();
  } finally {
    db.close();
  }
}

describe('the rule report over HTTP and in the CLI', () => {
  let server: InProcessServer;
  before(async () => {
    server = await startTestServer();
    try {
      // Written straight into the file, disabled so that the pipeline leaves it alone, with an experiment that
      // started weeks ago (a rule saved through the API starts its experiment now).
      const db = openDatabase(join(server.dataDir, 'ifthen.db'));
      try { await new SqliteRuleStore(db).put(HOLDOUT_RULE as unknown as RuleDocument, null, DAY0 - DAY, false); } finally { db.close(); }
      writeExperiment(server.dataDir, 10_000);
      const plain = await server.request('PUT', '/v1/rules/r-plain', { id: 'r-plain', when: { event: 'cart_abandoned' }, then: [{ log: { message: 'x' } }] });
      assert.equal(plain.status, 201, plain.text);
    } catch (error) {
      await server.stop();
      throw error;
    }
  });
  after(async () => { await server?.stop(); });

  it('answers the report: groups, lift, SRM, guardrail, series, verdict', async () => {
    const { status, body, text } = await server.request('GET', '/v1/rules/r-holdout/report');
    assert.equal(status, 200, text);
    assert.deepEqual(body.rule, { id: 'r-holdout', version: 1 });
    assert.deepEqual(body.experiment, { salt: 'exp-1', percent: 20, since: new Date(DAY0).toISOString(), global_control: false, expected_control_share: 0.2 });
    assert.deepEqual(body.period, { from: new Date(DAY0).toISOString(), to: null });
    // Every exposure is older than its 3-day window (the server's clock is now, in 2026-12 or later).
    assert.deepEqual(body.matured, { control: 2000, treatment: 8000 });
    assert.deepEqual(body.maturing, { control: 0, treatment: 0 });
    const c = body.primary.comparison;
    assert.equal(c.metric, 'conversion');
    assert.deepEqual([c.groups.control.exposed, c.groups.control.converters, c.groups.control.rate], [2000, 400, 0.2]);
    assert.deepEqual([c.groups.treatment.exposed, c.groups.treatment.converters], [8000, 4000]);
    assert.ok(Math.abs(c.lift.absolute.estimate - 0.3) < 1e-12);
    assert.equal(c.srm.flagged, false);
    assert.equal(body.verdict, 'helped');
    assert.equal(body.guardrails[0].name, 'unsubscribed');
    assert.equal(body.guardrails[0].comparison.verdict, 'hurt');
    assert.match(body.summary, /guardrail unsubscribed: /);
    assert.equal(body.over_time.length, 5);
    assert.equal(body.over_time[4].treatment.n, 8000);
    assert.ok(body.over_time[4].lift.sequential.lower > 0);
    // What the console needs to say in its own words (and languages) what the English warnings say.
    assert.equal(body.minimum_per_arm, 100);
    assert.equal(body.reshuffled, false);
    assert.equal(body.global_control_percent, 0);
  });

  it('a period, and the errors: unknown rule 404, no holdout 409, bad period 400, no token 401', async () => {
    const period = await server.request('GET', `/v1/rules/r-holdout/report?from=2026-11-02&to=${encodeURIComponent(new Date(DAY0 + DAY).toISOString())}`);
    assert.equal(period.status, 200, period.text);
    assert.equal(period.body.matured.control + period.body.matured.treatment, 2000);
    assert.equal(period.body.period.to, new Date(DAY0 + DAY).toISOString());

    // A period without exposures: nothing to compare, said as such (not a 500 on NaN).
    const empty = await server.request('GET', '/v1/rules/r-holdout/report?from=2030-01-01');
    assert.equal(empty.status, 200, empty.text);
    assert.equal(empty.body.primary.comparison, null);
    assert.equal(empty.body.verdict, 'invalid');
    assert.deepEqual(empty.body.over_time, []);
    const emptyWords = await runCli(['report', 'r-holdout', '--from', '2030-01-01'], { url: server.url });
    assert.match(emptyWords.stdout, /^matured: 0 in the holdout, 0 in the treatment: too few to compare$/m);

    const unknown = await server.request('GET', '/v1/rules/nope/report');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'IFTHEN_ERR_NOT_FOUND');
    const plain = await server.request('GET', '/v1/rules/r-plain/report');
    assert.equal(plain.status, 409);
    assert.match(plain.body.error.message, /has no holdout group: add `holdout: \{percent: 10\}`/);
    const bad = await server.request('GET', '/v1/rules/r-holdout/report?from=yesterday');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /from: must be a day like 2026-11-01/);
    const backwards = await server.request('GET', '/v1/rules/r-holdout/report?from=2026-11-03&to=2026-11-02');
    assert.equal(backwards.status, 400);
    assert.equal((await server.request('GET', '/v1/rules/r-holdout/report', undefined, { token: null })).status, 401);
  });

  it('ifthen report prints the groups, the lift, the SRM line and the verdict; --json the answer', async () => {
    const words = await runCli(['report', 'r-holdout'], { url: server.url });
    assert.equal(words.code, 0, words.stderr);
    assert.match(words.stdout, /^REPORT {5}r-holdout v1$/m);
    assert.match(words.stdout, /^GOAL order_completed \(conversion within 3d\)$/m);
    assert.match(words.stdout, /^holdout {4}2,000 {4}400 {9}20\.00 %$/m);
    assert.match(words.stdout, /^treatment  8,000 {4}4,000 {7}50\.00 %$/m);
    assert.match(words.stdout, /^lift {7}\+30\.00 points; relative \+150\.0 %; 95 % interval 27\.\d\d to 32\.\d\d, p < 0\.0001$/m);
    assert.match(words.stdout, /^SRM {8}ok: 20\.0 % held out, 20\.0 % expected/m);
    assert.match(words.stdout, /^GUARDRAIL unsubscribed/m);
    assert.match(words.stdout, /^VERDICT {4}helped: /m);

    const json = await runCli(['report', 'r-holdout', '--json', '--from', '2026-11-02'], { url: server.url });
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout);
    const direct = (await server.request('GET', '/v1/rules/r-holdout/report?from=2026-11-02')).body;
    assert.deepEqual({ ...answer, as_of: null }, { ...direct, as_of: null });

    const missing = await runCli(['report', 'r-plain'], { url: server.url });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /has no holdout group/);
  });
});

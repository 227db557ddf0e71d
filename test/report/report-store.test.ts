// The report's store side against a real SQLite file: rows written into the migration-7 tables with known values,
// the per-group sums equal to a hand-computed reference; maturity at the boundary; the period; the cumulative
// series; the cache of final days; the query plans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite/sqlite-database.ts';
import { DAILY, DAY_MS, SqliteReportReader, type DailyQuery, type DaySums, type ReportReader } from '../../src/report/report-reader.ts';
import { DailySumsCache } from '../../src/report/daily-cache.ts';
import { NoHoldoutError, RuleReporter } from '../../src/report/report.ts';
import { expectedControlShare, holdoutOf, metricsOf } from '../../src/report/rule-metrics.ts';
import { compare } from '../../src/stats/compare.ts';
import type { RuleDocument } from '../../src/engine/rule/schema.ts';

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 10, 2); // a Monday, 00:00 UTC
const WINDOW = 2 * DAY_MS;

function withDb(fn: (db: SqliteDatabase) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifthen-report-'));
    const db = openDatabase(join(dir, 'ifthen.db'));
    try { await fn(db); } finally { db.close(); rmSync(dir, { recursive: true, force: true }); }
  };
}

interface Row { subject: string; grp: 0 | 1; at: number; converted?: 0 | 1; value?: number; pre_converted?: 0 | 1; pre_value?: number; metric?: string; window?: number; salt?: string }

function insert(db: SqliteDatabase, rows: readonly Row[], ruleId = 'r1'): void {
  const exposure = db.prepare('INSERT INTO exposures (rule_id, salt, subject, grp, global_control, exposed_at, firing_id, rule_version) VALUES (?, ?, ?, ?, 0, ?, ?, 1)');
  const outcome = db.prepare(`INSERT INTO exposure_outcomes (rule_id, salt, metric, subject, grp, exposed_at, window_ms, converted, value, pre_converted, pre_value)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const r of rows) {
      const salt = r.salt ?? 's1';
      if (!r.metric || r.metric === 'purchase') exposure.run(ruleId, salt, r.subject, r.grp, r.at, `f-${r.subject}`);
      outcome.run(ruleId, salt, r.metric ?? 'purchase', r.subject, r.grp, r.at, r.window ?? WINDOW, r.converted ?? 0, r.value ?? 0, r.pre_converted ?? 0, r.pre_value ?? 0);
    }
  })();
}

const query = (over: Partial<DailyQuery> = {}): DailyQuery => ({
  ruleId: 'r1', salt: 's1', metric: 'purchase', kind: 'value', from: 0, to: Number.MAX_SAFE_INTEGER, now: DAY0 + 30 * DAY_MS, ...over,
});

/** Hand-written: two days, both groups, values and pre-values chosen so that every sum is easy to check by eye. */
const KNOWN: Row[] = [
  // day 0, control: values 2, 0, 5; pre 1, 0, 3
  { subject: 'c1', grp: 0, at: DAY0 + 1 * H, converted: 1, value: 2, pre_converted: 1, pre_value: 1 },
  { subject: 'c2', grp: 0, at: DAY0 + 2 * H },
  { subject: 'c3', grp: 0, at: DAY0 + 3 * H, converted: 1, value: 5, pre_converted: 1, pre_value: 3 },
  // day 0, treatment: values 4, 4; pre 2, 0
  { subject: 't1', grp: 1, at: DAY0 + 4 * H, converted: 1, value: 4, pre_converted: 1, pre_value: 2 },
  { subject: 't2', grp: 1, at: DAY0 + 5 * H, converted: 1, value: 4 },
  // day 1, treatment: value 1, pre 1
  { subject: 't3', grp: 1, at: DAY0 + DAY_MS + 6 * H, converted: 1, value: 1, pre_converted: 1, pre_value: 1 },
];

test('per-day and per-group sums equal the hand-computed reference (value and conversion)', withDb(async (db) => {
  insert(db, KNOWN);
  const reader = new SqliteReportReader(db);
  const days = await reader.daily(query());
  assert.deepEqual(days.map((d) => d.day), [DAY0 / DAY_MS, DAY0 / DAY_MS + 1]);
  // Control, day 0: n 3, Σy 7, Σy² 4+25 = 29, Σx 4, Σx² 1+9 = 10, Σxy 2·1 + 5·3 = 17.
  assert.deepEqual(days[0].control, { n: 3, maturing: 0, sum: 7, sum_squares: 29, pre_sum: 4, pre_sum_squares: 10, pre_sum_products: 17 });
  // Treatment, day 0: n 2, Σy 8, Σy² 32, Σx 2, Σx² 4, Σxy 8.
  assert.deepEqual(days[0].treatment, { n: 2, maturing: 0, sum: 8, sum_squares: 32, pre_sum: 2, pre_sum_squares: 4, pre_sum_products: 8 });
  assert.deepEqual(days[1].control, { n: 0, maturing: 0, sum: 0, sum_squares: 0, pre_sum: 0, pre_sum_squares: 0, pre_sum_products: 0 });
  assert.deepEqual(days[1].treatment, { n: 1, maturing: 0, sum: 1, sum_squares: 1, pre_sum: 1, pre_sum_squares: 1, pre_sum_products: 1 });

  // Conversion: y = converted, x = pre_converted. Control day 0: 2 converters, 2 pre-converters, both the same subjects.
  const conversion = await reader.daily(query({ kind: 'conversion' }));
  assert.deepEqual(conversion[0].control, { n: 3, maturing: 0, sum: 2, sum_squares: 2, pre_sum: 2, pre_sum_squares: 2, pre_sum_products: 2 });
  assert.deepEqual(conversion[0].treatment, { n: 2, maturing: 0, sum: 2, sum_squares: 2, pre_sum: 1, pre_sum_squares: 1, pre_sum_products: 1 });
}));

test('maturity: a row whose window ends exactly at now is counted, one ms later it is maturing', withDb(async (db) => {
  const at = DAY0 + 10 * H;
  insert(db, [
    { subject: 'edge', grp: 0, at, converted: 1, value: 3 },
    { subject: 'late', grp: 0, at: at + 1, converted: 1, value: 100 },
  ]);
  const reader = new SqliteReportReader(db);
  const [day] = await reader.daily(query({ now: at + WINDOW }));
  assert.equal(day.control.n, 1);
  assert.equal(day.control.sum, 3, 'the maturing row adds nothing to the sums');
  assert.equal(day.control.maturing, 1);
  const [before] = await reader.daily(query({ now: at + WINDOW - 1 }));
  assert.deepEqual([before.control.n, before.control.maturing, before.control.sum], [0, 2, 0]);
  const [after] = await reader.daily(query({ now: at + 1 + WINDOW }));
  assert.deepEqual([after.control.n, after.control.maturing, after.control.sum], [2, 0, 103]);
}));

test('period: from is inclusive, to exclusive; other salts, metrics and rules are not counted', withDb(async (db) => {
  insert(db, KNOWN);
  insert(db, [{ subject: 'x', grp: 0, at: DAY0 + 1 * H, value: 50, salt: 'old' }, { subject: 'c1', grp: 0, at: DAY0 + 1 * H, value: 60, metric: 'unsubscribe' }]);
  insert(db, [{ subject: 'y', grp: 0, at: DAY0 + 1 * H, value: 70 }], 'r2');
  const reader = new SqliteReportReader(db);
  const days = await reader.daily(query({ from: DAY0 + 3 * H, to: DAY0 + 5 * H }));
  assert.equal(days.length, 1);
  assert.deepEqual([days[0].control.n, days[0].control.sum], [1, 5], 'c3 at from counted, c1 and c2 before it not');
  assert.deepEqual([days[0].treatment.n, days[0].treatment.sum], [1, 4], 't1 counted, t2 at to not');
  assert.deepEqual(await reader.daily(query({ from: DAY0, to: DAY0 })), []);
}));

test('query plan: one range of the covering index in the report\'s order, no sort, no table lookup', withDb(async (db) => {
  const rows: Row[] = [];
  for (let i = 0; i < 400; i++) rows.push({ subject: `u${i}`, grp: (i % 2) as 0 | 1, at: DAY0 + i * H, value: i % 3 });
  insert(db, rows);
  const reader = new SqliteReportReader(db);
  for (const kind of ['conversion', 'value'] as const) {
    const params = { ruleId: 'r1', salt: 's1', metric: 'purchase', from: 1, to: 2, now: 3, fromDay: 0, toDay: 0 };
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${DAILY(kind)}`).all(params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    assert.match(plan, /^SEARCH exposure_outcomes USING COVERING INDEX exposure_outcomes_report \(rule_id=\? AND salt=\? AND metric=\? AND <expr>>\? AND <expr><\?\)$/, plan);
  }
  // The same answers for a narrow and a wide period.
  const narrow = await reader.daily(query({ from: DAY0 + 100 * H, to: DAY0 + 110 * H }));
  assert.equal(narrow[0].control.n + narrow[0].treatment.n, 10);
  const wide = await reader.daily(query());
  assert.equal(wide.reduce((s, d) => s + d.control.n + d.treatment.n, 0), 400);
  assert.deepEqual(wide.map((d) => d.day), [...new Set(rows.map((r) => Math.floor(r.at / DAY_MS)))]);
}));

/** Counts the reads that reach the store. */
class CountingReader implements ReportReader {
  readonly reads: [number, number][] = [];
  constructor(private readonly inner: ReportReader) {}
  experiments(ruleId: string) { return this.inner.experiments(ruleId); }
  firstExposure(ruleId: string, salt: string) { return this.inner.firstExposure(ruleId, salt); }
  revision(ruleId: string) { return this.inner.revision(ruleId); }
  daily(q: DailyQuery): Promise<DaySums[]> { this.reads.push([q.from, q.to]); return this.inner.daily(q); }
}

test('cache: final days are read once; new rows on open days are seen, rows slipped into a final day are not', withDb(async (db) => {
  const rows: Row[] = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < 4; i++) rows.push({ subject: `d${d}-${i}`, grp: (i % 2) as 0 | 1, at: DAY0 + d * DAY_MS + i * H, value: d + i });
  insert(db, rows);
  const store = new SqliteReportReader(db);
  const counting = new CountingReader(store);
  const settleMs = 6 * H;
  const cache = new DailySumsCache(counting, { settleMs, maxSeries: 10 });
  // now: day 9 12:00. Final: day end + 2 d window + 6 h ≤ now → days 0..6 (day 6 ends at day 7 00:00; +54 h = day 9 06:00).
  const now = DAY0 + 9 * DAY_MS + 12 * H;
  const q = { ...query({ now, from: DAY0 }), windowMs: WINDOW };
  const first = await cache.daily(q);
  assert.equal(first.cachedDays, 0);
  const reference = await store.daily(query({ now, from: DAY0 }));
  assert.deepEqual(first.days, reference, 'cached or not, the same sums as one read');

  const second = await cache.daily(q);
  assert.equal(second.cachedDays, 7, 'days 0..6 from memory');
  assert.equal(second.readRanges, 1, 'only the open days read');
  assert.deepEqual(counting.reads[counting.reads.length - 1], [DAY0 + 7 * DAY_MS, Number.MAX_SAFE_INTEGER]);
  assert.deepEqual(second.days, reference);

  // A new exposure on an open day (day 8) is seen at once; one slipped into day 2 (final) is not.
  insert(db, [{ subject: 'new-open', grp: 1, at: DAY0 + 8 * DAY_MS + 1, value: 1000 }, { subject: 'new-final', grp: 1, at: DAY0 + 2 * DAY_MS + 1, value: 5000 }]);
  const third = await cache.daily(q);
  const byDay = new Map(third.days.map((d) => [d.day - DAY0 / DAY_MS, d]));
  assert.equal(byDay.get(8)!.treatment.maturing, 3, 'day 8 is still maturing: counted as such, new row included');
  assert.equal(byDay.get(2)!.treatment.sum, (2 + 1) + (2 + 3), 'final day 2 answered from memory');
  assert.deepEqual(byDay.get(5), reference.find((d) => d.day === DAY0 / DAY_MS + 5));
  // Later, day 7 becomes final and is read once more, then kept.
  const later = await cache.daily({ ...q, now: now + DAY_MS });
  assert.equal(later.days.find((d) => d.day === DAY0 / DAY_MS + 8)!.treatment.sum, (8 + 1) + (8 + 3) + 1000);

  // A late write raises the rule's report revision (sqlite-exposures.ts): the cached days are read again, once.
  db.prepare('INSERT INTO report_revisions (rule_id, revision) VALUES (?, 1)').run('r1');
  const revised = await cache.daily({ ...q, now: now + DAY_MS });
  assert.equal(revised.cachedDays, 0, 'the revision dropped the cached days');
  assert.equal(revised.days.find((d) => d.day === DAY0 / DAY_MS + 2)!.treatment.sum, (2 + 1) + (2 + 3) + 5000, 'the row slipped into day 2 is seen now');
  assert.equal((await cache.daily({ ...q, now: now + DAY_MS })).cachedDays, 8, 'and kept again');
}));

test('cache: a partial first day and a period inside one day are read, never cached', withDb(async (db) => {
  insert(db, KNOWN);
  const counting = new CountingReader(new SqliteReportReader(db));
  const cache = new DailySumsCache(counting, { settleMs: 0, maxSeries: 10 });
  const q = { ...query({ from: DAY0 + 2 * H }), windowMs: WINDOW };
  for (let i = 0; i < 2; i++) {
    const { days } = await cache.daily(q);
    assert.deepEqual([days[0].control.n, days[0].control.sum], [2, 5], 'c2 and c3; c1 is before from');
  }
  assert.deepEqual(counting.reads.filter(([from]) => from === DAY0 + 2 * H).length, 2, 'the partial day read each time');
  const inside = await cache.daily({ ...query({ from: DAY0 + 1 * H, to: DAY0 + 4 * H }), windowMs: WINDOW });
  assert.equal(inside.cachedDays, 0);
  assert.deepEqual([inside.days[0].control.n, inside.days[0].treatment.n], [3, 0]);
}));

test('rule metrics: holdout, goals (first primary, default name the event), guardrails, expected split', () => {
  const doc: RuleDocument = {
    id: 'r1', when: { event: 'cart_abandoned' }, then: [{ log: { message: 'x' } }],
    holdout: { percent: 10, global_control: true },
    goals: [{ event: 'purchase', within: '7d', value: 'event.amount' }, { event: ['visit', 'open'], within: '1d', name: 'visits' }, { event: ['click', 'tap'], within: '1h' }],
    guardrails: [{ event: 'unsubscribe', within: '3d' }],
  };
  assert.deepEqual(holdoutOf(doc), { percent: 10, salt: 'r1', globalControl: true });
  assert.deepEqual(holdoutOf({ ...doc, holdout: { percent: 5, salt: 'later' } }), { percent: 5, salt: 'later', globalControl: false });
  const { holdout: _, ...without } = doc;
  assert.equal(holdoutOf(without), null);
  const { goals, guardrails } = metricsOf(doc);
  assert.deepEqual(goals.map((g) => [g.name, g.event, g.kind, g.windowMs, g.higherIsBetter]), [
    ['purchase', 'purchase', 'value', 7 * DAY_MS, true], ['visits', 'visit, open', 'conversion', DAY_MS, true], ['click', 'click, tap', 'conversion', 3_600_000, true],
  ]);
  assert.deepEqual(guardrails.map((g) => [g.name, g.kind, g.higherIsBetter]), [['unsubscribe', 'conversion', false]]);
  assert.deepEqual(metricsOf({ id: 'r2', when: { event: 'a' }, then: [], goal: { event: 'signup', within: '2d' } }).goals.map((g) => g.name), ['signup']);
  assert.equal(expectedControlShare({ percent: 10, salt: 's', globalControl: false }, 5), 0.1);
  assert.ok(Math.abs(expectedControlShare({ percent: 10, salt: 's', globalControl: true }, 5) - 0.145) < 1e-12);
});

/** Many subjects: the treatment converts at 33 %, the holdout at 20 %, 10 % held out. */
function experimentRows(n: number, days: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const grp = (i % 10 === 0 ? 0 : 1) as 0 | 1;
    const converts = grp === 0 ? i % 50 === 0 : i % 10 < 4; // 20 % and 3 in 9
    const at = DAY0 + Math.floor((i / n) * days) * DAY_MS + (i % 24) * H;
    rows.push({ subject: `u${i}`, grp, at, converted: converts ? 1 : 0, value: converts ? 10 : 0 });
    rows.push({ subject: `u${i}`, grp, at, metric: 'unsubscribe', converted: i % 100 === 1 ? 1 : 0 });
  }
  return rows;
}

const RULE: { id: string; version: number; createdAt: number; document: RuleDocument } = {
  id: 'r1', version: 3, createdAt: DAY0 - DAY_MS,
  document: {
    id: 'r1', when: { event: 'cart_abandoned' }, then: [{ log: { message: 'x' } }],
    holdout: { percent: 10, salt: 's1' }, goal: { event: 'purchase', within: '2d' }, guardrails: [{ event: 'unsubscribe', within: '2d' }],
  },
};

test('report: the primary goal compared as src/stats compares the same sums; guardrails; series; warnings', withDb(async (db) => {
  insert(db, experimentRows(5000, 10));
  db.prepare("INSERT INTO holdout_salts (rule_id, salt, since) VALUES ('r1', 's1', ?)").run(DAY0);
  const reader = new SqliteReportReader(db);
  const reporter = new RuleReporter(reader);
  const now = DAY0 + 11 * DAY_MS; // days 0..8 matured, day 9 partly maturing
  const report = await reporter.report(RULE, {}, now);
  assert.equal(report.experiment.salt, 's1');
  assert.equal(report.experiment.since, DAY0);
  assert.equal(report.experiment.expected_control_share, 0.1);
  assert.equal(report.period.from, DAY0);
  assert.equal(report.period.to, null);
  assert.equal(report.as_of, now);

  // The reference: the same rows summed by hand in JavaScript.
  const rows = experimentRows(5000, 10).filter((r) => !r.metric);
  const arm = (grp: 0 | 1) => {
    const matured = rows.filter((r) => r.grp === grp && r.at + WINDOW <= now);
    const sum = matured.reduce((s, r) => s + (r.converted ?? 0), 0);
    return { n: matured.length, sum, sum_squares: sum, pre: { sum: 0, sum_squares: 0, sum_products: 0 }, maturing: rows.filter((r) => r.grp === grp && r.at + WINDOW > now).length };
  };
  const control = arm(0);
  const treatment = arm(1);
  assert.deepEqual(report.matured, { control: control.n, treatment: treatment.n });
  assert.deepEqual(report.maturing, { control: control.maturing, treatment: treatment.maturing });
  assert.ok(report.maturing.control + report.maturing.treatment > 0);
  const expected = compare({ metric: 'conversion', control, treatment, expected_split: { control: 0.1, treatment: 0.9 }, higher_is_better: true, minimum_per_arm: 100 });
  assert.deepEqual(report.primary!.comparison, expected);
  assert.equal(report.primary!.comparison.groups.control.rate, control.sum / control.n);
  assert.equal(report.verdict, 'helped');
  assert.equal(report.summary.split('; ')[0], expected.summary);
  assert.equal(report.guardrails.length, 1);
  assert.equal(report.guardrails[0].higher_is_better, false);
  assert.equal(report.guardrails[0].comparison!.groups.control.exposed, control.n);
  assert.match(report.warnings.join('\n'), /exposures are still inside their 2d goal window/);

  // Over time: cumulative per exposure day; the last point is the whole report.
  assert.equal(report.over_time[0].day, '2026-11-02');
  const last = report.over_time[report.over_time.length - 1];
  assert.deepEqual([last.control.n, last.treatment.n, last.treatment.sum], [control.n, treatment.n, treatment.sum]);
  for (let i = 1; i < report.over_time.length; i++) assert.ok(report.over_time[i].treatment.n >= report.over_time[i - 1].treatment.n);
  assert.ok(last.lift);
  assert.equal(last.lift.absolute, expected.lift.absolute.estimate);
  assert.deepEqual(last.lift.sequential, expected.sequential.absolute);

  // A period: only the exposures in it.
  const firstDays = await reporter.report(RULE, { from: DAY0, to: DAY0 + 2 * DAY_MS }, now);
  assert.equal(firstDays.matured.control + firstDays.matured.treatment, rows.filter((r) => r.at < DAY0 + 2 * DAY_MS).length);
  assert.equal(firstDays.over_time.length, 2);
}));

test('report: too few matured subjects is invalid; a rule without holdout is refused; a sample-ratio mismatch is flagged', withDb(async (db) => {
  const reader = new SqliteReportReader(db);
  const reporter = new RuleReporter(reader);
  insert(db, KNOWN);
  const few = await reporter.report(RULE, {}, DAY0 + 30 * DAY_MS);
  assert.equal(few.verdict, 'invalid');
  assert.match(few.summary, /too few|fewer/i);
  const { holdout: _, ...noHoldout } = RULE.document;
  await assert.rejects(reporter.report({ ...RULE, document: noHoldout }, {}, DAY0), NoHoldoutError);
  // No holdout_salts row yet: the document's salt, since the rule's creation.
  assert.equal(few.experiment.since, RULE.createdAt);

  // 50 % configured, 10 % observed.
  const srm = await reporter.report({ ...RULE, id: 'r1', document: { ...RULE.document, holdout: { percent: 50, salt: 'big' } } }, {}, DAY0 + 30 * DAY_MS);
  assert.equal(srm.matured.control + srm.matured.treatment, 0, 'another salt: nothing yet');
  assert.equal(srm.primary!.comparison, null, 'nothing to compare');
  assert.equal(srm.verdict, 'invalid');
  assert.match(srm.summary, /^too few matured subjects: 0 in control and 0 in treatment/);
  const rows = experimentRows(2000, 3).map((r) => ({ ...r, salt: 'big' }));
  insert(db, rows.map((r) => ({ ...r, subject: `b-${r.subject}` })));
  // A new reporter: the first one keeps those (final, then empty) days in memory, as it should.
  const flagged = await new RuleReporter(reader).report({ ...RULE, document: { ...RULE.document, holdout: { percent: 50, salt: 'big' } } }, {}, DAY0 + 30 * DAY_MS);
  assert.equal(flagged.primary!.comparison!.srm.flagged, true);
  assert.equal(flagged.verdict, 'invalid');
  assert.match(flagged.warnings[0], /sample-ratio mismatch: 10\.0 % of exposures are in the holdout where 50\.0 % are expected/);
}));

test('report: after a reshuffle the current salt is reported, from its own start, and the warning says so', withDb(async (db) => {
  insert(db, experimentRows(1000, 3).filter((r) => !r.metric).map((r) => ({ ...r, salt: 's1' })));
  insert(db, experimentRows(600, 3).filter((r) => !r.metric).map((r) => ({ ...r, subject: `n-${r.subject}`, salt: 's2', at: r.at + 5 * DAY_MS })));
  db.prepare("INSERT INTO holdout_salts (rule_id, salt, since) VALUES ('r1', 's1', ?), ('r1', 's2', ?)").run(DAY0, DAY0 + 5 * DAY_MS);
  const report = await new RuleReporter(new SqliteReportReader(db)).report({ ...RULE, document: { ...RULE.document, holdout: { percent: 10, salt: 's2' } } }, {}, DAY0 + 30 * DAY_MS);
  assert.equal(report.experiment.salt, 's2');
  assert.equal(report.experiment.since, DAY0 + 5 * DAY_MS);
  assert.equal(report.matured.control + report.matured.treatment, 600, 'only the exposures under the current salt');
  assert.match(report.warnings.join('\n'), /the holdout was reshuffled \(new salt\) on 2026-11-07T00:00:00.000Z: this report covers the experiment since then/);
  assert.equal(report.reshuffled, true, 'the console words the reshuffle from this flag');
}));

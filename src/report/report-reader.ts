// The store side of the holdout report (issue 7): per exposure day (UTC) and group, the sums the statistics need,
// aggregated by SQLite over exposure_outcomes (migration 7), never by JavaScript loops over rows.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/sqlite/sqlite-database.ts';
import type { MetricKind } from '../stats/types.ts';

export const DAY_MS = 86_400_000;

/** One group's sums over one day's (or a period's) exposures of one metric; y the metric, x its pre-exposure twin. */
export interface GroupSums {
  /** Matured exposures: exposed_at + window_ms ≤ now. Every sum below is over these only. */
  readonly n: number;
  /** Exposures whose goal window has not elapsed yet. */
  readonly maturing: number;
  /** Σy: converters (conversion) or the total value (value). */
  readonly sum: number;
  /** Σy² (equals Σy for a conversion metric). */
  readonly sum_squares: number;
  /** Σx, Σx², Σxy: the same metric over the window of the same length before exposure (CUPED). */
  readonly pre_sum: number;
  readonly pre_sum_squares: number;
  readonly pre_sum_products: number;
}

export interface DaySums {
  /** Whole days since the epoch (UTC): exposed_at / 86,400,000. */
  readonly day: number;
  readonly control: GroupSums;
  readonly treatment: GroupSums;
}

/** One experiment of a rule: its holdout under one salt (holdout_salts). */
export interface Experiment {
  readonly salt: string;
  readonly since: number;
  readonly changedBy: string | null;
  readonly reason: string | null;
}

export interface DailyQuery {
  readonly ruleId: string;
  readonly salt: string;
  readonly metric: string;
  /** conversion: y = converted, x = pre_converted; value: y = value, x = pre_value (zeros included). */
  readonly kind: MetricKind;
  /** exposed_at ≥ from. */
  readonly from: number;
  /** exposed_at < to. */
  readonly to: number;
  /** Maturity is judged against this clock. */
  readonly now: number;
}

/** What the report reads from the store. */
export interface ReportReader {
  /** The rule's experiments, oldest first (the current one is the last). */
  experiments(ruleId: string): Promise<Experiment[]>;
  /** Per exposure day in [from, to), the sums of each group; days without exposures are absent; ascending. */
  daily(query: DailyQuery): Promise<DaySums[]>;
  /** The earliest exposure time under the salt (events may be older than the salt's `since`); undefined: none. */
  firstExposure(ruleId: string, salt: string): Promise<number | undefined>;
}

export const ZERO_SUMS: GroupSums = { n: 0, maturing: 0, sum: 0, sum_squares: 0, pre_sum: 0, pre_sum_squares: 0, pre_sum_products: 0 };

export function addSums(a: GroupSums, b: GroupSums): GroupSums {
  return {
    n: a.n + b.n, maturing: a.maturing + b.maturing, sum: a.sum + b.sum, sum_squares: a.sum_squares + b.sum_squares,
    pre_sum: a.pre_sum + b.pre_sum, pre_sum_squares: a.pre_sum_squares + b.pre_sum_squares, pre_sum_products: a.pre_sum_products + b.pre_sum_products,
  };
}

/** yy and xx are absent for a conversion metric: y² = y and x² = x. */
interface Row { day: number; grp: number; matured: number; n: number; y: number; yy?: number; x: number; xx?: number; xy: number }

/**
 * SQLite's cost here is per row and per aggregate (~0.1 µs each, measured): so each kind sums only its own columns
 * (a conversion's y² is y), and maturity is a grouping key rather than a FILTER on every aggregate.
 */
const SUMS: Record<MetricKind, string> = {
  conversion: 'TOTAL(converted) AS y, TOTAL(pre_converted) AS x, TOTAL(converted * pre_converted) AS xy',
  value: 'TOTAL(value) AS y, TOTAL(value * value) AS yy, TOTAL(pre_value) AS x, TOTAL(pre_value * pre_value) AS xx, TOTAL(value * pre_value) AS xy',
};
const KEY = 'rule_id = @ruleId AND salt = @salt AND metric = @metric';
/**
 * The primary key (rule_id, salt, metric, subject) holds every column: reading the metric's range of the table and
 * filtering the period is sequential. exposure_outcomes_time (…, exposed_at) costs a primary-key lookup per row
 * (~15x a sequential row), worth it only when the period holds a few per cent of the rows. A unary + keeps the
 * planner off the time index. EXPLAIN QUERY PLAN of both is pinned in the tests.
 */
const BY_KEY = `${KEY} AND +exposed_at >= @from AND +exposed_at < @to`;
const BY_TIME = `${KEY} AND exposed_at >= @from AND exposed_at < @to`;
const SELECT = (kind: MetricKind, where: string, from: string) =>
  `SELECT exposed_at / ${DAY_MS} AS day, grp, exposed_at + window_ms <= @now AS matured, COUNT(*) AS n, ${SUMS[kind]}
   FROM ${from} WHERE ${where} GROUP BY day, grp, matured ORDER BY day`;

/** A period narrower than this share of the metric's span of exposure times reads through the time index. */
const NARROW_SHARE = 0.05;

export class SqliteReportReader implements ReportReader {
  readonly #experiments;
  readonly #span;
  readonly #first;
  readonly #queries: Record<MetricKind, { byKey: Statement; byTime: Statement }>;

  constructor(db: SqliteDatabase) {
    this.#experiments = db.prepare('SELECT salt, since, changed_by AS changedBy, reason FROM holdout_salts WHERE rule_id = ? ORDER BY since, salt');
    this.#span = db.prepare(`SELECT MIN(exposed_at) AS first, MAX(exposed_at) AS last FROM exposure_outcomes WHERE ${KEY}`);
    this.#first = db.prepare('SELECT MIN(exposed_at) FROM exposures WHERE rule_id = ? AND salt = ?').pluck();
    const pair = (kind: MetricKind) => ({
      byKey: db.prepare(SELECT(kind, BY_KEY, 'exposure_outcomes')),
      byTime: db.prepare(SELECT(kind, BY_TIME, 'exposure_outcomes INDEXED BY exposure_outcomes_time')),
    });
    this.#queries = { conversion: pair('conversion'), value: pair('value') };
  }

  async experiments(ruleId: string): Promise<Experiment[]> {
    return this.#experiments.all(ruleId) as Experiment[];
  }

  async firstExposure(ruleId: string, salt: string): Promise<number | undefined> {
    return (this.#first.get(ruleId, salt) as number | null) ?? undefined;
  }

  async daily(query: DailyQuery): Promise<DaySums[]> {
    if (query.to <= query.from) return [];
    const params = { ruleId: query.ruleId, salt: query.salt, metric: query.metric, from: query.from, to: query.to, now: query.now };
    const { byKey, byTime } = this.#queries[query.kind];
    const statement = this.plan(query) === 'time-index' ? byTime : byKey;
    const days: { day: number; control: GroupSums; treatment: GroupSums }[] = [];
    for (const row of statement.all(params) as Row[]) {
      let entry = days[days.length - 1];
      if (entry?.day !== row.day) days.push(entry = { day: row.day, control: ZERO_SUMS, treatment: ZERO_SUMS });
      const group = row.grp === 0 ? 'control' : 'treatment';
      entry[group] = addSums(entry[group], row.matured
        ? { n: row.n, maturing: 0, sum: row.y, sum_squares: row.yy ?? row.y, pre_sum: row.x, pre_sum_squares: row.xx ?? row.x, pre_sum_products: row.xy }
        : { ...ZERO_SUMS, maturing: row.n });
    }
    return days;
  }

  /** MIN/MAX on the time index are two seeks; they tell whether the period is a small part of the rows. */
  plan(query: Pick<DailyQuery, 'ruleId' | 'salt' | 'metric' | 'from' | 'to'>): 'primary-key' | 'time-index' {
    const span = this.#span.get({ ruleId: query.ruleId, salt: query.salt, metric: query.metric }) as { first: number | null; last: number | null };
    if (span.first === null || span.last === null) return 'time-index';
    const whole = span.last - span.first + 1;
    const covered = Math.min(query.to, span.last + 1) - Math.max(query.from, span.first);
    return covered <= whole * NARROW_SHARE ? 'time-index' : 'primary-key';
  }
}

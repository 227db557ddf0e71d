// The store side of the holdout report (issue 7): per exposure day (UTC) and group, the sums the statistics need,
// aggregated by SQLite over exposure_outcomes (migration 7; its index for this, migration 8), never by JavaScript
// loops over rows.
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
  /** Raised by every late write of the rule's exposures or goal events (REPORT_SETTLE_MS); 0 before the first. */
  revision(ruleId: string): Promise<number>;
}

export const ZERO_SUMS: GroupSums = { n: 0, maturing: 0, sum: 0, sum_squares: 0, pre_sum: 0, pre_sum_squares: 0, pre_sum_products: 0 };

export function addSums(a: GroupSums, b: GroupSums): GroupSums {
  return {
    n: a.n + b.n, maturing: a.maturing + b.maturing, sum: a.sum + b.sum, sum_squares: a.sum_squares + b.sum_squares,
    pre_sum: a.pre_sum + b.pre_sum, pre_sum_squares: a.pre_sum_squares + b.pre_sum_squares, pre_sum_products: a.pre_sum_products + b.pre_sum_products,
  };
}

/** yy and xx are absent for a conversion metric: y² = y and x² = x. */
interface Row { day: number; grp: number; n: number; maturing: number; y: number; yy?: number; x: number; xx?: number; xy: number }

const MATURED = 'exposed_at + window_ms <= @now';
const SUM = (expression: string, name: string) => `TOTAL(${expression}) FILTER (WHERE ${MATURED}) AS ${name}`;
/** Each kind sums only its own columns (SQLite's cost is per row and per aggregate): a conversion's y² is y. */
const SUMS: Record<MetricKind, string> = {
  conversion: [SUM('converted', 'y'), SUM('pre_converted', 'x'), SUM('converted * pre_converted', 'xy')].join(', '),
  value: [SUM('value', 'y'), SUM('value * value', 'yy'), SUM('pre_value', 'x'), SUM('pre_value * pre_value', 'xx'), SUM('value * pre_value', 'xy')].join(', '),
};
/**
 * exposure_outcomes_report (migration 8) holds a metric's rows ordered by (exposure day, group) with every column
 * summed: the GROUP BY follows the index (no sort), the day bounds are its range, the exact period a filter on the
 * exposed_at it covers. EXPLAIN QUERY PLAN is pinned in the tests.
 */
export const DAILY = (kind: MetricKind) => `SELECT exposed_at / ${DAY_MS} AS day, grp,
    COUNT(*) FILTER (WHERE ${MATURED}) AS n, COUNT(*) FILTER (WHERE NOT (${MATURED})) AS maturing, ${SUMS[kind]}
  FROM exposure_outcomes INDEXED BY exposure_outcomes_report
  WHERE rule_id = @ruleId AND salt = @salt AND metric = @metric
    AND exposed_at / ${DAY_MS} >= @fromDay AND exposed_at / ${DAY_MS} <= @toDay AND exposed_at >= @from AND exposed_at < @to
  GROUP BY exposed_at / ${DAY_MS}, grp ORDER BY exposed_at / ${DAY_MS}, grp`;

export class SqliteReportReader implements ReportReader {
  readonly #experiments;
  readonly #first;
  readonly #revision;
  readonly #daily: Record<MetricKind, Statement>;

  constructor(db: SqliteDatabase) {
    this.#revision = db.prepare('SELECT revision FROM report_revisions WHERE rule_id = ?').pluck();
    this.#experiments = db.prepare('SELECT salt, since, changed_by AS changedBy, reason FROM holdout_salts WHERE rule_id = ? ORDER BY since, salt');
    this.#first = db.prepare('SELECT MIN(exposed_at) FROM exposures WHERE rule_id = ? AND salt = ?').pluck();
    this.#daily = { conversion: db.prepare(DAILY('conversion')), value: db.prepare(DAILY('value')) };
  }

  async experiments(ruleId: string): Promise<Experiment[]> {
    return this.#experiments.all(ruleId) as Experiment[];
  }

  async firstExposure(ruleId: string, salt: string): Promise<number | undefined> {
    return (this.#first.get(ruleId, salt) as number | null) ?? undefined;
  }

  async revision(ruleId: string): Promise<number> {
    return (this.#revision.get(ruleId) as number | undefined) ?? 0;
  }

  async daily(query: DailyQuery): Promise<DaySums[]> {
    if (query.to <= query.from) return [];
    const params = {
      ruleId: query.ruleId, salt: query.salt, metric: query.metric, from: query.from, to: query.to, now: query.now,
      fromDay: Math.floor(query.from / DAY_MS), toDay: Math.floor((query.to - 1) / DAY_MS),
    };
    const days: { day: number; control: GroupSums; treatment: GroupSums }[] = [];
    for (const row of this.#daily[query.kind].all(params) as Row[]) {
      let entry = days[days.length - 1];
      if (entry?.day !== row.day) days.push(entry = { day: row.day, control: ZERO_SUMS, treatment: ZERO_SUMS });
      entry[row.grp === 0 ? 'control' : 'treatment'] = {
        n: row.n, maturing: row.maturing, sum: row.y, sum_squares: row.yy ?? row.y, pre_sum: row.x, pre_sum_squares: row.xx ?? row.x, pre_sum_products: row.xy,
      };
    }
    return days;
  }
}

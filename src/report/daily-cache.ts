// Per-day sums that cannot change any more, kept in memory, so that a report the console refreshes every few
// seconds reads only the days still open. A day is final once its last possible exposure has matured and a
// settling margin for late goal events has passed (`settleMs`); its sums are then cached per
// (rule, salt, metric, kind, day). Days partly inside the requested period and open days are always read. A late
// write (an exposure or goal event older than the settling margin, sent by a batch or a backfill) raises the rule's
// report revision, and the rule's cached days are dropped and read again.
import { REPORT_SETTLE_MS } from '../store/contracts.ts';
import { DAY_MS, type DailyQuery, type DaySums, type ReportReader } from './report-reader.ts';

export interface DailyCacheOptions {
  /**
   * After a day's last exposure has matured, goal events may still arrive late (an SDK sending a batch, a replay):
   * its sums are cached only this long after that. Later ones raise the rule's report revision (the pipeline writes
   * it when an exposure or goal event is older than REPORT_SETTLE_MS), which drops the rule's cached days.
   */
  readonly settleMs: number;
  /** Series (rule × salt × metric × kind) kept; the least recently used goes first. */
  readonly maxSeries: number;
}

export const DEFAULT_DAILY_CACHE: DailyCacheOptions = { settleMs: REPORT_SETTLE_MS, maxSeries: 512 };

export interface CachedDaily {
  readonly days: DaySums[];
  /** Days answered from the cache / read from the store in this call (for tests and the benchmark). */
  readonly cachedDays: number;
  readonly readRanges: number;
}

/** Null: a final day without any exposure (kept so that it is not read again). */
type Series = Map<number, DaySums | null>;

export class DailySumsCache {
  readonly #reader: ReportReader;
  readonly #options: DailyCacheOptions;
  readonly #series = new Map<string, Series>();
  /** The report revision each rule's cached days were read at. */
  readonly #revisions = new Map<string, number>();

  constructor(reader: ReportReader, options: DailyCacheOptions = DEFAULT_DAILY_CACHE) {
    this.#reader = reader;
    this.#options = options;
  }

  /** `windowMs`: the metric's goal window now (rows keep their own; a day is cached only when all of it matured). */
  async daily(query: DailyQuery & { readonly windowMs: number }): Promise<CachedDaily> {
    const key = JSON.stringify([query.ruleId, query.salt, query.metric, query.kind]);
    const revision = await this.#reader.revision(query.ruleId);
    if (this.#revisions.get(query.ruleId) !== revision) {
      const prefix = `${JSON.stringify([query.ruleId]).slice(0, -1)},`;
      for (const k of [...this.#series.keys()]) if (k.startsWith(prefix)) this.#series.delete(k);
      this.#revisions.set(query.ruleId, revision);
    }
    const series = this.#touch(key);
    // Whole days inside [from, to) whose every exposure matured more than settleMs ago: a prefix of the period.
    const firstWhole = Math.ceil(query.from / DAY_MS);
    const finalEnd = Math.floor((query.now - query.windowMs - this.#options.settleMs + 1) / DAY_MS);
    const lastWholeEnd = Math.min(Math.floor(query.to / DAY_MS), finalEnd);
    const byDay = new Map<number, DaySums>();
    /** Read and not cached: the partial first day, the open days; each day is in at most one range. */
    const live: [number, number][] = [];
    let cachedDays = 0;
    let readRanges = 0;
    if (lastWholeEnd <= firstWhole) {
      live.push([query.from, query.to]);
    } else {
      if (query.from < firstWhole * DAY_MS) live.push([query.from, firstWhole * DAY_MS]);
      if (lastWholeEnd * DAY_MS < query.to) live.push([lastWholeEnd * DAY_MS, query.to]);
      const missing: number[] = [];
      for (let day = firstWhole; day < lastWholeEnd; day++) {
        if (!series.has(day)) { missing.push(day); continue; }
        cachedDays++;
        const sums = series.get(day);
        if (sums) byDay.set(day, sums);
      }
      if (missing.length) {
        // One read of the whole period rather than one per gap (a first report, or after eviction): the final days
        // found are kept, the others used once.
        readRanges++;
        const read = await this.#reader.daily(query);
        for (const sums of read) byDay.set(sums.day, sums);
        const found = new Map(read.map((d) => [d.day, d]));
        for (const day of missing) {
          const sums = found.get(day);
          // A row with a longer window than today's (an older rule version) may still be maturing: not final yet.
          if (!sums) series.set(day, null);
          else if (sums.control.maturing === 0 && sums.treatment.maturing === 0) series.set(day, sums);
        }
        return { days: [...byDay.values()].sort((a, b) => a.day - b.day), cachedDays, readRanges };
      }
    }
    for (const [from, to] of live) {
      if (to <= from) continue;
      readRanges++;
      for (const sums of await this.#reader.daily({ ...query, from, to })) byDay.set(sums.day, sums);
    }
    const days = [...byDay.values()].sort((a, b) => a.day - b.day);
    return { days, cachedDays, readRanges };
  }

  /** Forget everything (tests; a reshuffle does not need it: a new salt is a new series). */
  clear(): void {
    this.#series.clear();
  }

  #touch(key: string): Series {
    let series = this.#series.get(key);
    if (series) {
      this.#series.delete(key);
    } else {
      series = new Map();
      if (this.#series.size >= this.#options.maxSeries) this.#series.delete(this.#series.keys().next().value!);
    }
    this.#series.set(key, series);
    return series;
  }
}

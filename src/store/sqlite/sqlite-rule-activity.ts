// The rules list's activity (issue 8, GET /v1/rule-activity): for every rule at once, firings per hour and group,
// suppressions per hour and reason, run-time errors, and who created and last changed it (the audit log), each
// with ONE grouped query, never one query per rule. Firings, suppressions and rule errors are appended in arrival
// order and their times follow it closely (retention relies on the same), so the period's first row is found by
// a binary search over seq (a few primary-key seeks) and only the period's rows are read: no index on time needed.
// Hours that are over (and past a margin for late events) cannot change any more: their counts are kept in memory,
// so a list refreshed every few seconds reads only the open hour from the file, whatever the day's volume.
// A read-only connection of its own: the list never takes the writer's lock.
import Database from 'better-sqlite3';
import type { SqliteDatabase } from './sqlite-database.ts';

export const HOUR_MS = 3_600_000;

export interface ActivityPeriod {
  /** Start of the first hour (inclusive), a whole hour. */
  readonly from: number;
  /** End of the last hour (exclusive). */
  readonly to: number;
}

/** An hour after its end by more than this is final: its counts are kept (a firing's time is its event's time). */
export const SETTLE_MS = 10 * 60_000;

/** `hour`: whole hours since the epoch (time / 3,600,000). */
export interface FiringCount { readonly ruleId: string; readonly hour: number; readonly group: string; readonly count: number }
export interface SuppressionCount { readonly ruleId: string; readonly hour: number; readonly reason: string; readonly count: number }
export interface ErrorCount { readonly ruleId: string; readonly count: number; readonly last: number }
export interface RuleChange { readonly at: number; readonly actor: string; readonly action: string }
export interface RuleChanges { readonly ruleId: string; readonly created: RuleChange | null; readonly last: RuleChange }

export interface RuleActivityRows {
  readonly firings: FiringCount[];
  readonly suppressions: SuppressionCount[];
  readonly errors: ErrorCount[];
  readonly changes: RuleChanges[];
}

/** What the rules list reads from the store. */
export interface RuleActivityReader {
  /** `now` decides which hours are final (kept) and which are read again. */
  read(period: ActivityPeriod, now: number): RuleActivityRows;
  close(): void;
}

type Table = 'firings' | 'suppressions' | 'rule_errors';
const PROBE = 16;
const TIME: Record<Table, string> = { firings: 'time', suppressions: 'at', rule_errors: 'at' };

export class SqliteRuleActivity implements RuleActivityReader {
  readonly #db: SqliteDatabase;
  readonly #s;
  /** Final hours' counts, by hour since the epoch (an hour without any row is kept as empty lists). */
  readonly #final = new Map<number, { firings: FiringCount[]; suppressions: SuppressionCount[] }>();

  constructor(dbFile: string) {
    this.#db = new Database(dbFile, { readonly: true, fileMustExist: true });
    this.#db.pragma('busy_timeout = 5000');
    const p = (sql: string) => this.#db.prepare(sql);
    const bounds = (t: Table) => p(`SELECT MIN(seq) AS low, MAX(seq) AS high FROM ${t}`);
    // A probe looks at PROBE rows from a seq and takes the newest time among them: a late row (an event sent hours
    // after it happened) among them cannot make the search skip the rows of the period before it.
    const at = (t: Table) => p(`SELECT MIN(seq) AS seq, MAX(t) AS t FROM (SELECT seq, ${TIME[t]} AS t FROM ${t} WHERE seq >= ? ORDER BY seq LIMIT ${PROBE})`);
    this.#s = {
      bounds: { firings: bounds('firings'), suppressions: bounds('suppressions'), rule_errors: bounds('rule_errors') },
      at: { firings: at('firings'), suppressions: at('suppressions'), rule_errors: at('rule_errors') },
      firings: p(`SELECT rule_id AS ruleId, CAST(time / ${HOUR_MS} AS INTEGER) AS hour, grp AS "group", COUNT(*) AS count
        FROM firings WHERE seq >= @seq AND time >= @from AND time < @to GROUP BY rule_id, hour, grp`),
      suppressions: p(`SELECT rule_id AS ruleId, CAST(at / ${HOUR_MS} AS INTEGER) AS hour, reason, COUNT(*) AS count
        FROM suppressions WHERE seq >= @seq AND at >= @from AND at < @to GROUP BY rule_id, hour, reason`),
      errors: p(`SELECT rule_id AS ruleId, COUNT(*) AS count, MAX(at) AS last
        FROM rule_errors WHERE seq >= @seq AND at >= @from AND at < @to GROUP BY rule_id`),
      // The rules' entries are one range of the (target, id) index; per rule, the newest entry and the newest
      // creation (a rule deleted and created again belongs to whoever created it again).
      changeIds: p(`SELECT substr(target, 6) AS ruleId, MAX(id) AS lastId,
          MAX(CASE WHEN action = 'rule.save' AND detail LIKE 'created%' THEN id END) AS createdId
        FROM audit WHERE target >= 'rule:' AND target < 'rule;' GROUP BY target`),
      entries: p('SELECT id, at, actor, action FROM audit WHERE id IN (SELECT value FROM json_each(?))'),
    };
  }

  /**
   * A seq from which every row of the period is read (rows' times follow seq closely: a binary search). Rows out of
   * order only make it read more, unless PROBE of them in a row are older than the period (a large backfill), which
   * may hide a few period rows just before them; the time filter always holds.
   */
  #firstSeq(table: Table, from: number): number {
    const { low, high } = this.#s.bounds[table].get() as { low: number | null; high: number | null };
    if (low === null || high === null) return Number.MAX_SAFE_INTEGER;
    let lo = low;
    let hi = high + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.#s.at[table].get(mid) as { seq: number | null; t: number | null } | undefined;
      if (!row || row.seq === null || row.t === null) { hi = mid; continue; }
      if (row.t < from) lo = row.seq + 1;
      else hi = mid;
    }
    return lo;
  }

  read(period: ActivityPeriod, now: number): RuleActivityRows {
    const { from, to } = period;
    const first = Math.floor(from / HOUR_MS);
    const end = Math.ceil(to / HOUR_MS);
    const finalEnd = Math.floor((now - SETTLE_MS) / HOUR_MS);
    // Read from the first hour not kept: after the first answer, the open hour (and one just closing).
    let readFrom = first;
    while (readFrom < end && readFrom < finalEnd && this.#final.has(readFrom)) readFrom++;
    // One snapshot: the reads see the same moment of the file.
    return this.#db.transaction(() => {
      const readStart = readFrom * HOUR_MS;
      const fresh = readStart >= to ? { firings: [], suppressions: [] } : {
        firings: this.#s.firings.all({ seq: this.#firstSeq('firings', readStart), from: readStart, to }) as FiringCount[],
        suppressions: this.#s.suppressions.all({ seq: this.#firstSeq('suppressions', readStart), from: readStart, to }) as SuppressionCount[],
      };
      for (let hour = readFrom; hour < Math.min(end, finalEnd); hour++) this.#final.set(hour, { firings: [], suppressions: [] });
      for (const f of fresh.firings) this.#final.get(f.hour)?.firings.push(f);
      for (const x of fresh.suppressions) this.#final.get(x.hour)?.suppressions.push(x);
      for (const hour of this.#final.keys()) if (hour < first - 168) this.#final.delete(hour);
      const firings: FiringCount[] = [];
      const suppressions: SuppressionCount[] = [];
      for (let hour = first; hour < readFrom; hour++) {
        const kept = this.#final.get(hour)!;
        firings.push(...kept.firings);
        suppressions.push(...kept.suppressions);
      }
      firings.push(...fresh.firings);
      suppressions.push(...fresh.suppressions);
      const errors = this.#s.errors.all({ seq: this.#firstSeq('rule_errors', from), from, to }) as ErrorCount[];
      const ids = this.#s.changeIds.all() as { ruleId: string; lastId: number; createdId: number | null }[];
      const wanted = ids.flatMap((r) => (r.createdId === null ? [r.lastId] : [r.lastId, r.createdId]));
      const byId = new Map<number, RuleChange>();
      for (const e of this.#s.entries.all(JSON.stringify(wanted)) as (RuleChange & { id: number })[]) byId.set(e.id, { at: e.at, actor: e.actor, action: e.action });
      const changes = ids.map((r) => ({ ruleId: r.ruleId, created: r.createdId === null ? null : byId.get(r.createdId) ?? null, last: byId.get(r.lastId)! }));
      return { firings, suppressions, errors, changes };
    }).deferred();
  }

  close(): void {
    this.#db.close();
  }
}

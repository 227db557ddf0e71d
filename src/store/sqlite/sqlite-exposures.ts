// Exposures and outcomes (issue 7, migration 7), written inside the pipeline's commit: a subject's first exposure
// to a rule under a salt, one outcome row per metric (post window from goal events already stored, pre window for
// CUPED), and each goal event once, counted into the outcome rows whose windows hold it. Goal events may come
// before or after the exposure they count for: either the outcome row is made after the goal event is stored (and
// reads it), or the goal event is stored after the row (and updates it) — never both, so replays and out-of-order
// arrival give the same rows. A write older than REPORT_SETTLE_MS raises the rule's report revision, since it may
// change days a report has cached as final.
import type { Firing, GoalHit } from '../../engine/types.ts';
import { REPORT_SETTLE_MS, type HoldoutSaltStore } from '../contracts.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteExposures {
  readonly #insertExposure;
  readonly #window;
  readonly #insertOutcome;
  readonly #insertGoal;
  readonly #post;
  readonly #pre;
  readonly #salts;
  readonly #revise;

  constructor(db: SqliteDatabase) {
    this.#revise = db.prepare('INSERT INTO report_revisions (rule_id, revision) VALUES (?, 1) ON CONFLICT (rule_id) DO UPDATE SET revision = revision + 1');
    this.#insertExposure = db.prepare(
      'INSERT OR IGNORE INTO exposures (rule_id, salt, subject, grp, global_control, exposed_at, firing_id, rule_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#window = db.prepare(
      'SELECT count(*) AS n, coalesce(sum(value), 0) AS v FROM goal_events WHERE rule_id = ? AND metric = ? AND subject = ? AND time >= ? AND time <= ?',
    );
    this.#insertOutcome = db.prepare(
      `INSERT OR IGNORE INTO exposure_outcomes (rule_id, salt, metric, subject, grp, exposed_at, window_ms, converted, value, pre_converted, pre_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertGoal = db.prepare('INSERT OR IGNORE INTO goal_events (rule_id, metric, subject, time, event_id, value) VALUES (?, ?, ?, ?, ?, ?)');
    this.#post = db.prepare(
      `UPDATE exposure_outcomes SET converted = 1, value = value + ?
       WHERE rule_id = ? AND salt = ? AND metric = ? AND subject = ? AND exposed_at < ? AND exposed_at + window_ms >= ?`,
    );
    this.#pre = db.prepare(
      `UPDATE exposure_outcomes SET pre_converted = 1, pre_value = pre_value + ?
       WHERE rule_id = ? AND salt = ? AND metric = ? AND subject = ? AND exposed_at > ? AND exposed_at - window_ms <= ?`,
    );
    this.#salts = db.prepare('SELECT salt FROM holdout_salts WHERE rule_id = ?').pluck();
  }

  /** Inside the commit's transaction; `now`: the processing clock. */
  write(firings: readonly Firing[], hits: readonly GoalHit[], now: number): void {
    // An exposure or goal event at t ≥ now − settle cannot touch a day whose exposures all matured more than settle ago.
    const settled = now - REPORT_SETTLE_MS;
    const late = new Set<string>();
    for (const f of firings) if (f.exposure && this.#expose(f) && f.exposure.at < settled) late.add(f.ruleId);
    const salts = new Map<string, string[]>();
    for (const hit of hits) {
      if (this.#insertGoal.run(hit.ruleId, hit.metric, hit.subject, hit.time, hit.eventId, hit.value).changes !== 1) continue; // seen: counted once already
      if (hit.time < settled) late.add(hit.ruleId);
      let list = salts.get(hit.ruleId);
      if (!list) {
        // Exposures under an older salt still mature after a reshuffle: every recorded salt of the rule, and the current one.
        list = [...new Set([hit.salt, ...(this.#salts.all(hit.ruleId) as string[])])];
        salts.set(hit.ruleId, list);
      }
      for (const salt of list) {
        this.#post.run(hit.value, hit.ruleId, salt, hit.metric, hit.subject, hit.time, hit.time);
        this.#pre.run(hit.value, hit.ruleId, salt, hit.metric, hit.subject, hit.time, hit.time);
      }
    }
    for (const ruleId of late) this.#revise.run(ruleId);
  }

  /** True when this is the subject's first exposure (rows were written). */
  #expose(f: Firing): boolean {
    const e = f.exposure!;
    const grp = f.group === 'holdout' ? 0 : 1;
    if (this.#insertExposure.run(f.ruleId, e.salt, f.subject, grp, e.globalControl ? 1 : 0, e.at, f.id, f.ruleVersion).changes !== 1) return false; // not the first
    for (const m of e.metrics) {
      // Post window (at, at + w]; pre window [at - w, at): the goal events already stored.
      const post = this.#window.get(f.ruleId, m.name, f.subject, e.at + 1, e.at + m.withinMs) as { n: number; v: number };
      const pre = this.#window.get(f.ruleId, m.name, f.subject, e.at - m.withinMs, e.at - 1) as { n: number; v: number };
      this.#insertOutcome.run(f.ruleId, e.salt, m.name, f.subject, grp, e.at, m.withinMs, post.n > 0 ? 1 : 0, post.v, pre.n > 0 ? 1 : 0, pre.v);
    }
    return true;
  }
}

/** The audited salts of rules with a holdout (holdout_salts). */
export class SqliteHoldoutSalts implements HoldoutSaltStore {
  readonly #current;
  readonly #insert;

  constructor(db: SqliteDatabase) {
    this.#current = db.prepare('SELECT salt FROM holdout_salts WHERE rule_id = ? ORDER BY since DESC, rowid DESC LIMIT 1').pluck();
    this.#insert = db.prepare('INSERT OR IGNORE INTO holdout_salts (rule_id, salt, since, changed_by, reason) VALUES (?, ?, ?, ?, ?)');
  }

  async current(ruleId: string): Promise<string | undefined> {
    return (this.#current.get(ruleId) as string | undefined) ?? undefined;
  }

  async record(ruleId: string, salt: string, since: number, changedBy?: string, reason?: string): Promise<void> {
    this.#insert.run(ruleId, salt, since, changedBy ?? null, reason ?? null);
  }
}

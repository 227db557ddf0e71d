// Recorded suppressions in SQLite (written by the pipeline store's commit): counted per rule and reason over
// a period from the (rule_id, reason, at) index, listed per subject from the (subject, at) index.
import type { Suppression, SuppressionReason } from '../../engine/types.ts';
import type { SuppressionCount, SuppressionStore } from '../contracts.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

interface SuppressionRow { rule_id: string; subject: string; reason: string; event_id: string; at: number; detail: string; delayed_until: number | null }

function toSuppression(r: SuppressionRow): Suppression {
  const base = { ruleId: r.rule_id, subject: r.subject, reason: r.reason as SuppressionReason, eventId: r.event_id, at: r.at, detail: r.detail };
  return r.delayed_until === null ? base : { ...base, delayedUntil: r.delayed_until };
}

export class SqliteSuppressions implements SuppressionStore {
  readonly #rules;
  readonly #countRule;
  readonly #subject;
  readonly #subjectRule;

  constructor(db: SqliteDatabase) {
    // A loose index scan: one seek per rule that has suppressions, not a pass over every row.
    this.#rules = db.prepare(`WITH RECURSIVE r(rule_id) AS (
        SELECT MIN(rule_id) FROM suppressions
        UNION ALL
        SELECT (SELECT MIN(rule_id) FROM suppressions WHERE rule_id > r.rule_id) FROM r WHERE r.rule_id IS NOT NULL
      ) SELECT rule_id FROM r WHERE rule_id IS NOT NULL`).pluck();
    this.#countRule = db.prepare('SELECT reason, COUNT(*) AS n FROM suppressions WHERE rule_id = ? AND at >= ? AND at < ? GROUP BY reason ORDER BY reason');
    this.#subject = db.prepare('SELECT * FROM suppressions WHERE subject = ? ORDER BY at DESC, seq DESC LIMIT ?');
    this.#subjectRule = db.prepare('SELECT * FROM suppressions WHERE subject = ? AND rule_id = ? ORDER BY at DESC, seq DESC LIMIT ?');
  }

  async count(query: { readonly from: number; readonly to: number; readonly ruleId?: string }): Promise<SuppressionCount[]> {
    const rules = query.ruleId === undefined ? (this.#rules.all() as string[]) : [query.ruleId];
    const counts: SuppressionCount[] = [];
    for (const ruleId of rules) {
      for (const row of this.#countRule.all(ruleId, query.from, query.to) as { reason: string; n: number }[]) {
        counts.push({ ruleId, reason: row.reason as SuppressionReason, count: row.n });
      }
    }
    return counts;
  }

  async ofSubject(subject: string, query: { readonly ruleId?: string; readonly limit: number }): Promise<Suppression[]> {
    const rows = query.ruleId === undefined
      ? this.#subject.all(subject, query.limit)
      : this.#subjectRule.all(subject, query.ruleId, query.limit);
    return (rows as SuppressionRow[]).map(toSuppression);
  }
}

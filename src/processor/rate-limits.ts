// The rule's rate limit (`limits.rate`, MEMORY.md "Limits" 5) applied by the live processor: the deliveries of a
// rule are spaced by a token bucket of the rule, on the firing time t_f (never the wall clock), holding a
// burst of one second's worth; a delivery moved later gets `notBefore` (the outbox's first due time) and the
// firing a `rate_limited` suppression. Nothing is dropped. The buckets live in memory, one per rule: a restart
// starts every rule with a full bucket (at most one extra burst per restart).
import type { Firing, Suppression } from '../engine/types.ts';

interface Bucket {
  readonly perSecond: number;
  /** When the bucket is empty again at this rate (GCRA's theoretical arrival time). */
  tat: number;
}

export class RuleRates {
  readonly #buckets = new Map<string, Bucket>();

  /**
   * The time the next delivery of `ruleId` may go at `at` under `perSecond`, and the bucket taken from.
   * A rule whose rate changed starts a new bucket.
   */
  take(ruleId: string, perSecond: number, at: number): number {
    let bucket = this.#buckets.get(ruleId);
    if (!bucket || bucket.perSecond !== perSecond) {
      bucket = { perSecond, tat: -Infinity };
      this.#buckets.set(ruleId, bucket);
    }
    const interval = 1000 / perSecond;
    const burst = Math.max(1, Math.floor(perSecond)); // one second's worth, at least one
    const tat = Math.max(bucket.tat, at);
    const notBefore = Math.max(at, Math.ceil(tat - (burst - 1) * interval));
    bucket.tat = tat + interval;
    return notBefore;
  }

  /** Rules no longer rate limited (deleted, changed) lose their bucket. */
  retain(ruleIds: ReadonlySet<string>): void {
    for (const id of this.#buckets.keys()) if (!ruleIds.has(id)) this.#buckets.delete(id);
  }

  /**
   * `firing` with each delivery paced at `at` (t_f), and the suppression when any was moved later. `text` is the
   * rule's rate as written (`100/s`).
   */
  pace(firing: Firing, perSecond: number, text: string, at: number): { firing: Firing; suppression?: Suppression } {
    if (!firing.deliveries.length) return { firing };
    let latest = at;
    const deliveries = firing.deliveries.map((d) => {
      const notBefore = this.take(firing.ruleId, perSecond, at);
      if (notBefore <= at) return d;
      latest = Math.max(latest, notBefore);
      return { ...d, notBefore };
    });
    if (latest <= at) return { firing };
    const suppression: Suppression = {
      ruleId: firing.ruleId, subject: firing.subject, reason: 'rate_limited', eventId: firing.eventIds[0] ?? firing.id, at,
      detail: `rate: ${text}: delayed ${latest - at} ms`, delayedUntil: latest,
    };
    return { firing: { ...firing, deliveries }, suppression };
  }
}

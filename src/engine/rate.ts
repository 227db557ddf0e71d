// The rule's rate limit (MEMORY.md "Limits" 5): deliveries are spaced, never dropped. A token bucket per rule
// over t_f with a burst of one second's worth (at least 1), kept as its theoretical arrival time (GCRA), so
// the same firings in the same order give the same `notBefore` live and in a backtest.
import type { CompiledRule } from './rule/compile.ts';
import type { Firing, Suppression } from './types.ts';

export interface RateDecision {
  /** When the delivery may go: t_f, or later when the bucket is empty. */
  readonly notBefore: number;
  readonly delayed: boolean;
}

export class RateLimiter {
  readonly #tat = new Map<string, number>();

  /** Takes one token of the rule's bucket at `t` (t_f); successive calls must come in timeline order. */
  take(ruleId: string, perSecond: number, t: number): RateDecision {
    const interval = 1000 / perSecond;
    const burst = Math.max(1, Math.floor(perSecond));
    const tat = this.#tat.get(ruleId) ?? t;
    const earliest = tat - (burst - 1) * interval;
    const notBefore = earliest > t ? Math.ceil(earliest) : t;
    this.#tat.set(ruleId, Math.max(tat, t) + interval);
    return { notBefore, delayed: notBefore > t };
  }

  /**
   * The firing with each delivery's `notBefore` set from the rule's bucket, and a `rate_limited` suppression
   * when one was moved later (nothing is dropped). A rule without `rate` gives the firing back as it is.
   */
  apply(rule: CompiledRule | undefined, firing: Firing): { readonly firing: Firing; readonly suppression?: Suppression } {
    const rate = rule?.rate;
    if (!rate || !firing.deliveries.length) return { firing };
    const t = firing.firingTime ?? firing.time;
    let latest = t;
    const deliveries = firing.deliveries.map((d) => {
      const { notBefore, delayed } = this.take(rule.id, rate.perSecond, t);
      if (!delayed) return d;
      if (notBefore > latest) latest = notBefore;
      return { ...d, notBefore };
    });
    if (latest === t) return { firing };
    const suppression: Suppression = {
      ruleId: firing.ruleId, subject: firing.subject, reason: 'rate_limited', eventId: firing.trace.event, at: t,
      detail: `rate ${rate.text}: delayed ${latest - t} ms, until ${new Date(latest).toISOString()}`, delayedUntil: latest,
    };
    return { firing: { ...firing, deliveries }, suppression };
  }
}

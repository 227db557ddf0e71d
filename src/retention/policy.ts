// The retention policy as cutoffs: for each kind with a period, rows older than `now - period` may go. Pure.
import type { RetentionConfig } from '../config.ts';
import { RETENTION_KINDS, type RetentionKind } from '../store/retention.ts';

export const PERIOD_OF: Readonly<Record<RetentionKind, keyof RetentionConfig>> = {
  events: 'eventsMs', firings: 'firingsMs', delivered: 'deliveredMs', dead: 'deadMs', failures: 'failuresMs', ruleErrors: 'ruleErrorsMs', suppressions: 'suppressionsMs', goalEvents: 'goalEventsMs',
};

/** Each kind's retention period in ms; 0 keeps that kind forever. */
export function periods(config: RetentionConfig): Record<RetentionKind, number> {
  return Object.fromEntries(RETENTION_KINDS.map((kind) => [kind, config[PERIOD_OF[kind]]])) as Record<RetentionKind, number>;
}

/** The kinds to sweep now and the time before which each one's rows may be deleted (exclusive). */
export function cutoffs(config: RetentionConfig, now: number): [RetentionKind, number][] {
  return Object.entries(periods(config)).filter(([, ms]) => ms > 0).map(([kind, ms]) => [kind as RetentionKind, now - ms]);
}

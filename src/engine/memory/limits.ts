// Limits 1–4 (MEMORY.md "Limits"), checked in order at the firing time t_f: dedupe, quiet hours,
// per_subject, group. Only a firing that passes all of them is counted (dedupe keys, caps, groups).
import type { CompiledLimits } from '../rule/compile.ts';
import type { SuppressionReason } from '../types.ts';
import { formatDuration } from '../duration.ts';
import { inWindow, isTimeZone, localMinuteOfDay, quietHoursEnd } from '../local-time.ts';
import type { MemoryDraft, RuleEntry } from './entry.ts';

export type LimitVerdict =
  | { readonly pass: true }
  | { readonly pass: false; readonly reason: SuppressionReason; readonly detail: string; readonly delayedUntil?: number };

const PASS: LimitVerdict = { pass: true };

/** The zone quiet hours are read in: the subject's attribute when it is a valid IANA zone, else the rule's. */
export function quietZone(q: NonNullable<CompiledLimits['quietHours']>, attributes: Readonly<Record<string, unknown>>): string {
  if (q.timezoneAttribute) {
    const value = attributes[q.timezoneAttribute];
    if (typeof value === 'string' && value && isTimeZone(value)) return value;
  }
  return q.timezone;
}

/**
 * The first limit that stops a firing at `tf`, or pass. `skipQuiet` at the timer that ends quiet hours.
 * Reads only; `record` counts a firing that passed.
 */
export function checkLimits(limits: CompiledLimits, entry: RuleEntry | undefined, memory: MemoryDraft, tf: number, key: string | undefined, attributes: Readonly<Record<string, unknown>>, skipQuiet: boolean): LimitVerdict {
  const dedupe = limits.dedupe;
  if (dedupe && key !== undefined && entry?.d) {
    for (const [k, t] of entry.d) {
      if (k === key && t > tf - dedupe.withinMs && t <= tf) {
        return { pass: false, reason: 'deduped', detail: `dedupe: key ${key} fired at ${iso(t)}, within ${formatDuration(dedupe.withinMs)}` };
      }
    }
  }
  const quiet = limits.quietHours;
  if (quiet && !skipQuiet) {
    const zone = quietZone(quiet, attributes);
    const minute = localMinuteOfDay(tf, zone);
    if (inWindow(minute, quiet.fromMinute, quiet.toMinute)) {
      const local = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
      if (quiet.then === 'drop') return { pass: false, reason: 'quiet_hours', detail: `quiet_hours: ${local} in ${zone} is within ${quiet.text}, dropped` };
      const until = quietHoursEnd(tf, zone, quiet.fromMinute, quiet.toMinute);
      return { pass: false, reason: 'quiet_hours', detail: `quiet_hours: ${local} in ${zone} is within ${quiet.text}, delayed until ${iso(until)}`, delayedUntil: until };
    }
  }
  const per = limits.perSubject;
  if (per && entry?.h) {
    const n = countIn(entry.h, tf - per.perMs, tf);
    if (n >= per.max) return { pass: false, reason: 'capped', detail: `per_subject: ${n} of at most ${per.max} in ${formatDuration(per.perMs)} reached` };
  }
  const group = limits.group;
  if (group) {
    const g = memory.peekGroup(group.name);
    const n = g ? countIn(g.h, tf - group.perMs, tf) : 0;
    if (n >= group.max) return { pass: false, reason: 'capped', detail: `group ${group.name}: ${n} of at most ${group.max} in ${formatDuration(group.perMs)} reached` };
  }
  return PASS;
}

/** Counts a firing that passed at `tf`, and forgets what no check can read any more. */
export function recordFiring(limits: CompiledLimits, entry: RuleEntry, memory: MemoryDraft, tf: number, key: string | undefined): void {
  if (limits.dedupe && key !== undefined) {
    entry.d = (entry.d ?? []).filter(([, t]) => t > tf - limits.dedupe!.withinMs);
    entry.d.push([key, tf]);
  }
  if (limits.perSubject) {
    entry.h = (entry.h ?? []).filter((t) => t > tf - limits.perSubject!.perMs);
    entry.h.push(tf);
  }
  if (limits.group) {
    const g = memory.group(limits.group.name);
    g.h = g.h.filter((t) => t > tf - limits.group!.perMs);
    g.h.push(tf);
  }
}

/** Forgets firing records no check at or after `tf` can read. */
export function pruneLimits(limits: CompiledLimits, entry: RuleEntry, tf: number): void {
  // Both lists are in t_f order (t_f never goes back in the timeline): only the head can be stale.
  if (entry.d?.length && !(entry.d[0][1] > tf - (limits.dedupe?.withinMs ?? 0))) entry.d = entry.d.filter(([, t]) => t > tf - (limits.dedupe?.withinMs ?? 0));
  if (entry.h?.length && !(entry.h[0] > tf - (limits.perSubject?.perMs ?? 0))) entry.h = entry.h.filter((t) => t > tf - (limits.perSubject?.perMs ?? 0));
}

function countIn(times: readonly number[], after: number, upTo: number): number {
  let n = 0;
  for (const t of times) if (t > after && t <= upTo) n++;
  return n;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

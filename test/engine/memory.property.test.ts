// Property: rules with memory, run by replay() over random streams (several subjects, arrival out of order
// within the allowed lateness, some late events, the same type and time repeated), fire exactly what a small
// brute-force reference says: it looks at every arrived event each time and keeps nothing pruned.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { replay } from '../../src/engine/replay.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import type { LoggedEvent } from '../../src/engine/event.ts';
import type { Firing, Suppression } from '../../src/engine/types.ts';
import { rule } from './helpers.ts';

const S = 1000;
const M = 60 * S;
const L = 60 * S; // the default allowed lateness
const then = [{ log: { message: 'x' } }];

interface Spec { readonly type: string; readonly subject: string; readonly time: number; readonly delay: number; readonly ahead: boolean; readonly n: number }

const specArb = (types: readonly string[]) => fc.record({
  type: fc.constantFrom(...types),
  subject: fc.constantFrom('u1', 'u2', 'u3'),
  time: fc.integer({ min: 0, max: 40 }).map((x) => x * 30 * S), // repeats of the same time are common
  delay: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }).map((x) => x * S) }, { weight: 1, arbitrary: fc.integer({ min: 61, max: 300 }).map((x) => x * S) }),
  ahead: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  n: fc.integer({ min: 0, max: 5 }),
});

/** The log: arrival order (receivedAt, then generation order), unique ids; a client clock may run ahead. */
function log(specs: readonly Spec[]): LoggedEvent[] {
  const events = specs.map((s, i) => {
    const receivedAt = s.time + s.delay;
    return { seq: 0, id: `e${i}`, type: s.type, subject: s.subject, time: s.ahead ? receivedAt + 20 * S : s.time, receivedAt, properties: { n: s.n, plan: ['pro', 'free', null][s.n % 3] }, depth: 0, i };
  });
  events.sort((a, b) => a.receivedAt - b.receivedAt || a.i - b.i);
  return events.map(({ i: _, ...e }, k) => ({ ...e, seq: k + 1 }));
}

const tau = (e: LoggedEvent) => Math.min(e.time, e.receivedAt);
const late = (e: LoggedEvent) => tau(e) < e.receivedAt - L;

function run(rules: RuleSet, events: readonly LoggedEvent[]) {
  const firings: Firing[] = [];
  const suppressions: Suppression[] = [];
  replay(rules, events, { firing: (f) => firings.push(f), suppression: (s) => suppressions.push(s) }, { until: 10 ** 9 });
  return { firings, suppressions };
}

const key = (f: Firing) => `${f.ruleId}/${f.subject}/${f.trace.event}@${f.firingTime}`;
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('rules with memory against a brute-force reference', () => {
  it('threshold count: once per episode, whatever the arrival order', () => {
    fc.assert(fc.property(fc.array(specArb(['a', 'z']), { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 2, 5), (specs, atLeast, minutes) => {
      const W = minutes * M;
      const events = log(specs);
      const { firings } = run(new RuleSet([rule({ id: 'r', when: { event: 'a', count: { at_least: atLeast, within: `${minutes}m` } }, then })]), events);
      const expected: string[] = [];
      const arrived = new Map<string, number[]>();
      const points = new Map<string, number[]>();
      for (const e of events) {
        if (e.type !== 'a' || late(e)) continue;
        const times = arrived.get(e.subject) ?? []; times.push(tau(e)); arrived.set(e.subject, times);
        const fp = points.get(e.subject) ?? []; points.set(e.subject, fp);
        const f = (T: number) => times.filter((t) => T - W < t && t <= T).length;
        const breaks = [...new Set(times.flatMap((t) => [t, t + W]))].sort((x, y) => x - y);
        const episodes: Array<[number, number]> = [];
        for (let i = 0; i < breaks.length; i++) {
          if (f(breaks[i]) < atLeast) continue;
          const last = episodes[episodes.length - 1];
          if (last && last[1] === breaks[i]) last[1] = breaks[i + 1]; else episodes.push([breaks[i], breaks[i + 1]]);
        }
        for (const [a, b] of episodes) {
          if (b <= tau(e) || a >= tau(e) + W || fp.some((p) => a <= p && p < b)) continue;
          fp.push(a);
          expected.push(`r/${e.subject}/${e.id}@${e.receivedAt}`);
        }
      }
      assert.deepEqual(sorted(firings.map(key)), sorted(expected));
    }), { numRuns: 300 });
  });

  it('threshold sum and distinct: once per episode', () => {
    fc.assert(fc.property(fc.array(specArb(['a']), { maxLength: 30 }), fc.constantFrom('sum', 'distinct'), fc.integer({ min: 1, max: 8 }), (specs, kind, atLeast) => {
      const W = 2 * M;
      const events = log(specs);
      const when = kind === 'sum'
        ? { event: 'a', sum: { of: 'event.properties.n', at_least: atLeast, within: '2m' } }
        : { event: 'a', distinct: { of: 'event.properties.n', at_least: Math.min(atLeast, 4), within: '2m' } };
      const bound = kind === 'sum' ? atLeast : Math.min(atLeast, 4);
      const { firings } = run(new RuleSet([rule({ id: 'r', when, then })]), events);
      const expected: string[] = [];
      const arrived = new Map<string, LoggedEvent[]>();
      const points = new Map<string, number[]>();
      for (const e of events) {
        if (late(e)) continue;
        const list = arrived.get(e.subject) ?? []; list.push(e); arrived.set(e.subject, list);
        const fp = points.get(e.subject) ?? []; points.set(e.subject, fp);
        const f = (T: number) => {
          const inWindow = list.filter((x) => T - W < tau(x) && tau(x) <= T);
          return kind === 'sum' ? inWindow.reduce((s, x) => s + (x.properties.n as number), 0) : new Set(inWindow.map((x) => x.properties.n)).size;
        };
        const breaks = [...new Set(list.flatMap((x) => [tau(x), tau(x) + W]))].sort((x, y) => x - y);
        const episodes: Array<[number, number]> = [];
        for (let i = 0; i < breaks.length; i++) {
          if (f(breaks[i]) < bound) continue;
          const last = episodes[episodes.length - 1];
          if (last && last[1] === breaks[i]) last[1] = breaks[i + 1]; else episodes.push([breaks[i], breaks[i + 1]]);
        }
        for (const [a, b] of episodes) {
          if (b <= tau(e) || a >= tau(e) + W || fp.some((p) => a <= p && p < b)) continue;
          fp.push(a);
          expected.push(`r/${e.subject}/${e.id}@${e.receivedAt}`);
        }
      }
      assert.deepEqual(sorted(firings.map(key)), sorted(expected));
    }), { numRuns: 200 });
  });

  it('sequence: once per trigger event, on the arrival that first gives it a chain', () => {
    fc.assert(fc.property(fc.array(specArb(['a', 'b', 'c']), { maxLength: 30 }), fc.boolean(), (specs, twoSteps) => {
      const events = log(specs);
      const steps = twoSteps ? [{ event: 'a', within: '3m' }, { event: 'b', within: '2m', where: 'event.properties.n > 0' }] : [{ event: 'a', within: '3m' }];
      const trigger = twoSteps ? 'c' : 'b';
      const { firings } = run(new RuleSet([rule({ id: 'r', when: { event: trigger, after: steps }, then })]), events);
      const within = twoSteps ? [3 * M, 2 * M] : [3 * M];
      const types = twoSteps ? ['a', 'b'] : ['a'];
      const stepOk = (i: number, e: LoggedEvent) => e.type === types[i] && (!twoSteps || i !== 1 || (e.properties.n as number) > 0);
      const expected: string[] = [];
      const arrived: LoggedEvent[] = [];
      const fired = new Set<string>();
      const hasChain = (t: LoggedEvent): boolean => {
        const mine = arrived.filter((x) => x.subject === t.subject && x.id !== t.id);
        const fill = (j: number, next: LoggedEvent, used: Set<string>): boolean => {
          if (j < 0) return true;
          return mine.some((x) => stepOk(j, x) && !used.has(x.id) && tau(x) <= tau(next) && tau(next) - tau(x) <= within[j] && fill(j - 1, x, new Set([...used, x.id])));
        };
        return fill(types.length - 1, t, new Set());
      };
      for (const e of events) {
        if (late(e)) continue;
        arrived.push(e);
        for (const t of arrived) {
          if (t.type !== trigger || fired.has(t.id) || !hasChain(t)) continue;
          fired.add(t.id);
          expected.push(`r/${t.subject}/${t.id}@${e.receivedAt}`);
        }
      }
      assert.deepEqual(sorted(firings.map(key)), sorted(expected));
    }), { numRuns: 300 });
  });

  it('absence and wait: fire at the due time unless a cancelling event falls within, in any arrival order', () => {
    fc.assert(fc.property(fc.array(specArb(['a', 'b']), { maxLength: 30 }), fc.constantFrom('unless', 'wait', 'shortwait', 'both'), (specs, shape) => {
      const events = log(specs);
      const when = shape === 'unless' ? { event: 'a', unless: { event: 'b', within: '2m' } }
        : shape === 'wait' ? { event: 'a', wait: '3m' } : shape === 'shortwait' ? { event: 'a', wait: '30s' } : { event: 'a', wait: '3m', unless: { event: 'b', within: '2m' } };
      const { firings, suppressions } = run(new RuleSet([rule({ id: 'r', when, then })]), events);
      const expected: string[] = [];
      const expectedCancelled: string[] = [];
      for (const a of events) {
        if (a.type !== 'a' || late(a)) continue;
        const due = shape === 'unless' ? tau(a) + 2 * M + L : shape === 'wait' ? Math.max(a.receivedAt, tau(a) + 3 * M)
          : shape === 'shortwait' ? Math.max(a.receivedAt, tau(a) + 30_000) : tau(a) + Math.max(3 * M, 2 * M + L);
        const cancelled = shape !== 'wait' && shape !== 'shortwait' && events.some((b) => b.subject === a.subject && b.type === 'b' && !late(b) && tau(b) >= tau(a) && tau(b) <= tau(a) + 2 * M);
        if (cancelled) expectedCancelled.push(`${a.subject}/${a.id}`);
        else expected.push(`r/${a.subject}/${a.id}@${due}`);
      }
      assert.deepEqual(sorted(firings.map(key)), sorted(expected));
      assert.deepEqual(sorted(suppressions.filter((s) => s.reason === 'cancelled').map((s) => `${s.subject}/${s.eventId}`)), sorted(expectedCancelled));
    }), { numRuns: 300 });
  });

  it('sequence + unless and threshold + wait: the delay stage after the trigger stage', () => {
    fc.assert(fc.property(fc.array(specArb(['a', 'b', 'c']), { maxLength: 30 }), (specs) => {
      const events = log(specs);
      const seq = rule({ id: 's', when: { event: 'b', after: { event: 'a', within: '3m' }, unless: { event: 'c', within: '2m' } }, then });
      const th = rule({ id: 't', when: { event: 'a', count: { at_least: 2, within: '2m' }, wait: '3m' }, then });
      const { firings } = run(new RuleSet([seq, th]), events);
      const expected: string[] = [];
      // Sequence completions (as in the sequence reference), then the absence after each.
      const arrived: LoggedEvent[] = [];
      const fired = new Set<string>();
      const completions: Array<{ a: LoggedEvent; rc: number }> = [];
      const tArrived = new Map<string, number[]>();
      const points = new Map<string, number[]>();
      for (const e of events) {
        if (late(e)) continue;
        arrived.push(e);
        for (const t of arrived) {
          if (t.type !== 'b' || fired.has(t.id)) continue;
          if (!arrived.some((x) => x.subject === t.subject && x.type === 'a' && tau(x) <= tau(t) && tau(t) - tau(x) <= 3 * M)) continue;
          fired.add(t.id);
          completions.push({ a: t, rc: e.receivedAt });
        }
        if (e.type !== 'a') continue;
        const times = tArrived.get(e.subject) ?? []; times.push(tau(e)); tArrived.set(e.subject, times);
        const fp = points.get(e.subject) ?? []; points.set(e.subject, fp);
        const f = (T: number) => times.filter((t) => T - 2 * M < t && t <= T).length;
        const breaks = [...new Set(times.flatMap((t) => [t, t + 2 * M]))].sort((x, y) => x - y);
        const episodes: Array<[number, number]> = [];
        for (let i = 0; i < breaks.length; i++) {
          if (f(breaks[i]) < 2) continue;
          const last = episodes[episodes.length - 1];
          if (last && last[1] === breaks[i]) last[1] = breaks[i + 1]; else episodes.push([breaks[i], breaks[i + 1]]);
        }
        for (const [a, b] of episodes) {
          if (b <= tau(e) || a >= tau(e) + 2 * M || fp.some((p) => a <= p && p < b)) continue;
          fp.push(a);
          expected.push(`t/${e.subject}/${e.id}@${Math.max(e.receivedAt, tau(e) + 3 * M)}`);
        }
      }
      for (const { a, rc } of completions) {
        const cancelled = events.some((c) => c.subject === a.subject && c.type === 'c' && !late(c) && tau(c) >= tau(a) && tau(c) <= tau(a) + 2 * M);
        if (!cancelled) expected.push(`s/${a.subject}/${a.id}@${Math.max(rc, tau(a) + 2 * M + L)}`);
      }
      assert.deepEqual(sorted(firings.map(key)), sorted(expected));
    }), { numRuns: 300 });
  });

  it('change: fires on an identify that changes the attribute as stated, late or not', () => {
    fc.assert(fc.property(fc.array(specArb(['identify', 'a']), { maxLength: 30 }), fc.constantFrom<Record<string, unknown>>({}, { from: 'pro' }, { to: 'free' }), (specs, fromTo) => {
      const events = log(specs);
      const { firings } = run(new RuleSet([rule({ id: 'r', when: { change: { attribute: 'plan', ...fromTo } }, then })]), events);
      const plan = new Map<string, unknown>();
      const expected: string[] = [];
      for (const e of events) {
        if (e.type !== 'identify') continue;
        const before = plan.get(e.subject) ?? null;
        const after = e.properties.plan ?? null;
        plan.set(e.subject, after);
        if (before === after) continue;
        if ('from' in fromTo && fromTo.from !== before) continue;
        if ('to' in fromTo && fromTo.to !== after) continue;
        expected.push(`r/${e.subject}/${e.id}@${e.receivedAt}`);
      }
      assert.deepEqual(sorted(firings.map(key)), sorted(expected));
    }), { numRuns: 200 });
  });

  it('limits: dedupe, quiet hours (drop), per_subject and a group across two rules, in order, on t_f', () => {
    fc.assert(fc.property(fc.array(specArb(['a', 'b']), { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), (specs, perMax, groupMax) => {
      const events = log(specs);
      const rules = [
        rule({ id: 'r1', when: { event: 'a' }, limits: { dedupe: { key: 'event.properties.n', within: '2m' }, per_subject: { max: perMax, per: '5m' }, group: { name: 'g', max: groupMax, per: '10m' } }, then }),
        rule({ id: 'r2', when: { event: ['a', 'b'] }, limits: { quiet_hours: { from: '00:07', to: '00:09', then: 'drop' }, group: { name: 'g', max: groupMax, per: '10m' } }, then }),
      ];
      const { firings, suppressions } = run(new RuleSet(rules), events);
      const expected: string[] = [];
      const reasons: string[] = [];
      const passed = new Map<string, Array<{ rule: string; t: number; key?: unknown }>>();
      for (const e of events) {
        const tf = e.receivedAt;
        const mine = passed.get(e.subject) ?? []; passed.set(e.subject, mine);
        const count = (pred: (p: { rule: string; t: number; key?: unknown }) => boolean, per: number) => mine.filter((p) => pred(p) && p.t > tf - per && p.t <= tf).length;
        for (const r of ['r1', 'r2']) {
          if (r === 'r1' && e.type !== 'a') continue;
          let reason: string | undefined;
          if (r === 'r1' && count((p) => p.rule === 'r1' && p.key === e.properties.n, 2 * M) > 0) reason = 'deduped';
          const minute = Math.floor((tf % 86_400_000) / M);
          if (!reason && r === 'r2' && minute >= 7 && minute < 9) reason = 'quiet_hours';
          if (!reason && r === 'r1' && count((p) => p.rule === 'r1', 5 * M) >= perMax) reason = 'capped';
          if (!reason && count(() => true, 10 * M) >= groupMax) reason = 'capped';
          if (reason) { reasons.push(`${r}/${e.subject}/${e.id}:${reason}`); continue; }
          mine.push({ rule: r, t: tf, key: r === 'r1' ? e.properties.n : undefined });
          expected.push(`${r}/${e.subject}/${e.id}@${tf}`);
        }
      }
      assert.deepEqual(sorted(firings.map(key)), sorted(expected));
      assert.deepEqual(sorted(suppressions.map((s) => `${s.ruleId}/${s.subject}/${s.eventId}:${s.reason}`)), sorted(reasons));
    }), { numRuns: 300 });
  });
});

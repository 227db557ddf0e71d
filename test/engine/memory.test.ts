// Rules with memory, case by case: quiet hours across DST changes, timers, bounds, shape reset, late
// events, explain decisions, the rate limiter, and the save-time checks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../src/engine/step.ts';
import { replay } from '../../src/engine/replay.ts';
import { RuleSet } from '../../src/engine/ruleset.ts';
import { RateLimiter } from '../../src/engine/rate.ts';
import { validateRule } from '../../src/engine/rule/validate.ts';
import { groupConflicts, emitLoops } from '../../src/engine/rule/cross-checks.ts';
import { quietHoursEnd } from '../../src/engine/local-time.ts';
import type { LoggedEvent } from '../../src/engine/event.ts';
import type { EngineOptions, Firing, SubjectState, Suppression, TimerFire } from '../../src/engine/types.ts';
import type { RuleDocument } from '../../src/engine/rule/schema.ts';
import { rule, subject } from './helpers.ts';

const M = 60_000;
const then = [{ log: { message: 'x' } }];
let n = 0;
const ev = (type: string, at: number, properties: Record<string, unknown> = {}, receivedAt = at, who = 'u1'): LoggedEvent =>
  ({ seq: ++n, id: `m${n}`, type, subject: who, time: at, receivedAt, properties, depth: 0 });

function run(rules: readonly ReturnType<typeof rule>[], events: readonly LoggedEvent[], until = 10 ** 13, engine?: EngineOptions) {
  const firings: Firing[] = [];
  const suppressions: Suppression[] = [];
  const subjects = new Map<string, SubjectState>();
  replay(new RuleSet(rules), events, { firing: (f) => firings.push(f), suppression: (s) => suppressions.push(s) }, { until, subjects, engine });
  return { firings, suppressions, subjects };
}

describe('quiet hours across DST changes', () => {
  const quiet = (zone: string, from: string, to: string) => rule({ id: 'q', when: { event: 'a' }, limits: { quiet_hours: { from, to, timezone: zone } }, then });

  it('America/New_York, spring gap: a `to` the clock skips ends the quiet hours when the gap ends', () => {
    // 2026-03-08 02:00 EST → 03:00 EDT (07:00Z). Quiet 22:00-02:30: 02:30 does not exist that night.
    const at = Date.parse('2026-03-08T06:30:00Z'); // 01:30 EST
    const { firings, suppressions } = run([quiet('America/New_York', '22:00', '02:30')], [ev('a', at)]);
    assert.equal(suppressions[0].reason, 'quiet_hours');
    assert.equal(suppressions[0].delayedUntil, Date.parse('2026-03-08T07:00:00Z'));
    assert.equal(firings.length, 1);
    assert.equal(firings[0].firingTime, Date.parse('2026-03-08T07:00:00Z'));
  });

  it('America/New_York, spring: 22:00-08:00 ends at 08:00 EDT the morning after the change', () => {
    const at = Date.parse('2026-03-08T03:30:00Z'); // 22:30 EST on March 7
    assert.equal(quietHoursEnd(at, 'America/New_York', 22 * 60, 8 * 60), Date.parse('2026-03-08T12:00:00Z'));
    const { firings } = run([quiet('America/New_York', '22:00', '08:00')], [ev('a', at)]);
    assert.equal(firings[0].firingTime, Date.parse('2026-03-08T12:00:00Z'));
  });

  it('America/New_York, autumn overlap: the first 01:30 ends quiet hours; the repeated hour is quiet again until the second 01:30', () => {
    // 2026-11-01 02:00 EDT → 01:00 EST (06:00Z): 01:00-02:00 happens twice.
    const z = 'America/New_York';
    assert.equal(quietHoursEnd(Date.parse('2026-11-01T05:10:00Z'), z, 22 * 60, 90), Date.parse('2026-11-01T05:30:00Z')); // 01:10 EDT → 01:30 EDT
    assert.equal(quietHoursEnd(Date.parse('2026-11-01T06:10:00Z'), z, 22 * 60, 90), Date.parse('2026-11-01T06:30:00Z')); // 01:10 EST → 01:30 EST
    const { suppressions } = run([quiet(z, '22:00', '01:30')], [ev('a', Date.parse('2026-11-01T05:40:00Z')), ev('a', Date.parse('2026-11-01T06:40:00Z'))]);
    // 01:40 EDT is outside; 01:40 EST is outside too (after the second 01:30).
    assert.deepEqual(suppressions, []);
    const { firings } = run([quiet(z, '00:00', '05:00')], [ev('a', Date.parse('2026-11-01T05:30:00Z'))]); // 01:30 EDT
    assert.equal(firings[0].firingTime, Date.parse('2026-11-01T10:00:00Z'), '05:00 EST: the overlap hour counts once more');
  });

  it('Asia/Seoul has no DST: 22:00-08:00 KST is 13:00-23:00Z every day', () => {
    const { firings, suppressions } = run([quiet('Asia/Seoul', '22:00', '08:00')], [ev('a', Date.parse('2026-03-08T14:00:00Z')), ev('a', Date.parse('2026-11-01T12:59:00Z'))]);
    assert.equal(suppressions.length, 1);
    assert.equal(suppressions[0].delayedUntil, Date.parse('2026-03-08T23:00:00Z'));
    assert.match(suppressions[0].detail, /^quiet_hours: 23:00 in Asia\/Seoul is within 22:00-08:00, delayed until 2026-03-08T23:00:00.000Z$/);
    assert.deepEqual(firings.map((f) => f.firingTime), [Date.parse('2026-03-08T23:00:00Z'), Date.parse('2026-11-01T12:59:00Z')]);
  });

  it('at the end of quiet hours, dedupe and caps are checked again at the new t_f', () => {
    const night = Date.parse('2026-06-01T23:00:00Z');
    const morning = Date.parse('2026-06-02T08:00:00Z');
    const limits = (max: number) => ({ dedupe: { key: 'event.properties.k', within: '1d' }, quiet_hours: { from: '22:00', to: '08:00' }, per_subject: { max, per: '1d' } });
    const same = run([rule({ id: 'q', when: { event: 'a' }, limits: limits(5), then })], [ev('a', night, { k: 1 }), ev('a', night + M, { k: 1 })]);
    assert.deepEqual(same.firings.map((f) => f.firingTime), [morning]);
    assert.deepEqual(same.suppressions.map((s) => `${s.reason}@${s.at}`), [`quiet_hours@${night}`, `quiet_hours@${night + M}`, `deduped@${morning}`]);
    const three = run([rule({ id: 'q', when: { event: 'a' }, limits: limits(2), then })], [ev('a', night, { k: 1 }), ev('a', night + M, { k: 2 }), ev('a', night + 2 * M, { k: 3 })]);
    assert.equal(three.firings.length, 2);
    assert.deepEqual(three.suppressions.slice(3).map((s) => `${s.reason}@${s.at}`), [`capped@${morning}`]);
  });

  it("reads the subject's zone attribute when it is a valid IANA name, else the rule's zone; drop drops", () => {
    const r = rule({ id: 'q', when: { event: 'a' }, limits: { quiet_hours: { from: '22:00', to: '08:00', timezone: 'Asia/Seoul', timezone_attribute: 'tz', then: 'drop' } }, then });
    const at = Date.parse('2026-06-01T14:00:00Z'); // 23:00 KST, 10:00 EDT
    const out = (tz: unknown) => step(new RuleSet([r]), subject({ tz }), { kind: 'event', event: ev('a', at) }, { now: at });
    assert.equal(out('America/New_York').firings.length, 1);
    assert.equal(out('Not/AZone').suppressions?.[0].reason, 'quiet_hours');
    assert.equal(out('Not/AZone').timers.length, 0, 'drop makes no timer');
  });
});

describe('timers', () => {
  const absence = rule({ id: 'abs', when: { event: 'a', unless: { event: 'b', within: '10m' } }, then });
  const rules = new RuleSet([absence]);

  it('have deterministic ids; firing the same timer twice fires once; a timer whose instance is gone does nothing', () => {
    const a = ev('a', 0);
    const first = step(rules, subject(), { kind: 'event', event: a }, { now: 0 });
    const again = step(rules, subject(), { kind: 'event', event: a }, { now: 0 });
    assert.equal(first.timers.length, 1);
    assert.equal(first.timers[0].id, again.timers[0].id);
    assert.equal(first.timers[0].dueAt, 11 * M, 'deadline + L');
    const timer: TimerFire = first.timers[0];
    const fired = step(rules, first.subject, { kind: 'timer', timer }, { now: timer.dueAt });
    assert.equal(fired.firings.length, 1);
    assert.equal(fired.firings[0].firingTime, 11 * M);
    const twice = step(rules, fired.subject, { kind: 'timer', timer }, { now: timer.dueAt });
    assert.equal(twice.firings.length, 0);
    assert.equal(twice.subjectChanged, false);
    const cancelled = step(rules, first.subject, { kind: 'event', event: ev('b', 5 * M) }, { now: 5 * M });
    assert.deepEqual(cancelled.cancelledTimers, [timer.id]);
    assert.match(cancelled.suppressions![0].detail, /^cancelled by m\d+ \(b\)/);
    assert.equal(step(rules, cancelled.subject, { kind: 'event', event: ev('z', 6 * M) }, { now: 6 * M }).firings.length, 0);
    assert.equal(step(rules, cancelled.subject, { kind: 'timer', timer }, { now: timer.dueAt }).firings.length, 0, 'the instance is gone');
  });

  it('a cancelling event that arrives before the trigger (earlier event time later) cancels it', () => {
    const { firings, suppressions } = run([absence], [ev('b', 5 * M, {}, 5 * M + 10_000), ev('a', 4 * M + 30_000, {}, 5 * M + 20_000)]);
    assert.equal(firings.length, 0);
    assert.equal(suppressions[0].reason, 'cancelled');
  });

  it('with the same type in event and unless, a later one cancels the earlier, never itself', () => {
    const again = rule({ id: 'again', when: { event: 'a', unless: { event: 'a', within: '10m' } }, then });
    const { firings, suppressions } = run([again], [ev('a', 0), ev('a', 5 * M), ev('a', 30 * M)]);
    assert.deepEqual(firings.map((f) => f.firingTime), [16 * M, 41 * M]);
    assert.deepEqual(suppressions.map((s) => s.reason), ['cancelled']);
  });

  it('wait fires at max(r, τ + wait); a shape change forgets the instance', () => {
    const wait = rule({ id: 'w', when: { event: 'a', wait: '10m' }, then });
    const out = step(new RuleSet([wait]), subject(), { kind: 'event', event: ev('a', 0, {}, 30_000) }, { now: 30_000 });
    assert.equal(out.timers[0].dueAt, 10 * M);
    const changed = rule({ id: 'w', when: { event: 'a', wait: '20m' }, then });
    const after = step(new RuleSet([changed]), out.subject, { kind: 'timer', timer: out.timers[0] }, { now: 10 * M });
    assert.equal(after.firings.length, 0);
  });
});

describe('memory', () => {
  it('is pruned when no window can need it, and bounded per rule', () => {
    const count = rule({ id: 'c', when: { event: 'a', count: { at_least: 100, within: '10m' } }, then });
    const events = Array.from({ length: 50 }, (_, i) => ev('a', i * M));
    const { subjects } = run([count], events);
    const entry = subjects.get('u1')!.memory!.c as { w: unknown[] };
    assert.equal(entry.w.length, 11, 'entries within r - L - 10m are kept');
    const bounded = run([count], Array.from({ length: 30 }, (_, i) => ev('a', 0, {}, i)), 10 ** 13, { maxEmitDepth: 8, memory: { allowedLatenessMs: M, maxWindowEvents: 5, maxPending: 20, maxMemoryBytes: 65_536 } });
    const b = bounded.subjects.get('u1')!.memory!.c as { w: unknown[]; n: number };
    assert.equal(b.w.length, 5);
    assert.equal(b.n, 25, 'dropped entries are counted');
    // Each step that dropped an entry says so, for /metrics (ifthen_window_entries_dropped_total).
    const limits = { maxEmitDepth: 8, memory: { allowedLatenessMs: M, maxWindowEvents: 5, maxPending: 20, maxMemoryBytes: 65_536 } };
    let state: SubjectState = subject();
    const trims: string[] = [];
    for (let i = 0; i < 7; i++) {
      const out = step(new RuleSet([count]), state, { kind: 'event', event: ev('a', i * 1000) }, { now: i * 1000 }, limits);
      trims.push(...(out.windowTrims ?? []));
      state = out.subject;
    }
    assert.deepEqual(trims, ['c', 'c'], 'the 6th and 7th events each pushed one out');
    // "Why not?" says the window may read low.
    const explained = step(new RuleSet([count]), state, { kind: 'event', event: ev('a', 7000) }, { now: 7000 }, { ...limits, explain: true });
    assert.equal(explained.decisions![0].outcome, 'window_not_reached');
    assert.equal(explained.decisions![0].detail, 'window: count 5 of at least 100 within 10m; the window keeps the newest 5 events (IFTHEN_MAX_WINDOW_EVENTS) and has dropped older ones 3 times, so it may read low');
  });

  it("keeps a subject's whole memory under its byte bound, dropping the oldest pending instances first", () => {
    const absence = rule({ id: 'abs', when: { event: 'a', unless: { event: 'b', within: '1h' } }, then });
    const limits = { allowedLatenessMs: M, maxWindowEvents: 1000, maxPending: 1000, maxMemoryBytes: 2000 };
    let state: SubjectState = subject();
    let overflow = 0;
    for (let i = 0; i < 30; i++) {
      const out = step(new RuleSet([absence]), state, { kind: 'event', event: ev('a', i * 1000, { pad: 'x'.repeat(50) }) }, { now: i * 1000 }, { maxEmitDepth: 8, memory: limits });
      state = out.subject;
      overflow += out.suppressions?.filter((s) => s.reason === 'overflow').length ?? 0;
      assert.ok(JSON.stringify(state.memory).length <= 2000);
    }
    assert.ok(overflow > 0);
  });

  it('never lets a subject memory pass the byte bound, whatever the rules keep', () => {
    const rules = new RuleSet([
      rule({ id: 't', when: { event: 'a', distinct: { of: 'event.properties.s', at_least: 500, within: '1h' } }, then }),
      rule({ id: 's', when: { event: 'c', after: [{ event: 'a', within: '1h' }, { event: 'b', within: '1h' }] }, then }),
      rule({ id: 'u', when: { event: 'a', unless: { event: 'b', within: '1h' } }, limits: { dedupe: { key: 'event.properties.s', within: '1h' } }, then }),
    ]);
    for (const maxMemoryBytes of [700, 3000, 9000]) {
      let state: SubjectState = subject();
      for (let i = 0; i < 300; i++) {
        const type = ['a', 'b', 'c'][i % 3];
        const out = step(rules, state, { kind: 'event', event: ev(type, i * 1000, { s: `v${i}`.repeat(1 + (i % 7)) }) }, { now: i * 1000 },
          { maxEmitDepth: 8, memory: { allowedLatenessMs: M, maxWindowEvents: 1000, maxPending: 1000, maxMemoryBytes } });
        state = out.subject;
        assert.ok(JSON.stringify(state.memory ?? {}).length <= maxMemoryBytes, `${JSON.stringify(state.memory).length} > ${maxMemoryBytes}`);
      }
    }
  });

  it('caps pending instances at maxPending, dropping the oldest as overflow', () => {
    const absence = rule({ id: 'abs', when: { event: 'a', unless: { event: 'b', within: '1h' } }, then });
    const { suppressions, firings } = run([absence], Array.from({ length: 21 }, (_, i) => ev('a', i * 1000)));
    assert.deepEqual(suppressions.map((s) => s.reason), ['overflow']);
    assert.equal(firings.length, 20);
  });

  it('starts a rule afresh when its shape changes', () => {
    const v1 = rule({ id: 'c', when: { event: 'a', count: { at_least: 2, within: '10m' } }, then });
    const v2 = rule({ id: 'c', when: { event: 'a', count: { at_least: 2, within: '20m' } }, then });
    const first = step(new RuleSet([v1]), subject(), { kind: 'event', event: ev('a', 0) }, { now: 0 });
    assert.equal(step(new RuleSet([v1]), first.subject, { kind: 'event', event: ev('a', M) }, { now: M }).firings.length, 1);
    assert.equal(step(new RuleSet([v2]), first.subject, { kind: 'event', event: ev('a', M) }, { now: M }).firings.length, 0);
    assert.notEqual(v1.shape, v2.shape);
    assert.equal(v1.shape, rule({ id: 'c', when: { count: { within: '10m', at_least: 2 }, event: 'a' }, then: [{ log: { message: 'other' } }] }).shape, 'key order and actions do not change the shape');
  });

  it('leaves rules without memory alone: no memory written, no late flag effect', () => {
    const plain = rule({ id: 'p', when: { event: 'a' }, then });
    const out = step(new RuleSet([plain]), subject(), { kind: 'event', event: ev('a', 0, {}, 5 * M) }, { now: 5 * M });
    assert.equal(out.firings.length, 1);
    assert.equal(out.late, true);
    assert.equal(out.subjectChanged, false);
    assert.equal(out.subject.memory, undefined);
  });
});

describe('late events and explain', () => {
  it('a late event enters no window; decisions say why', () => {
    const count = rule({ id: 'c', when: { event: 'a', where: 'event.properties.total >= 30', count: { at_least: 2, within: '10m' } }, then });
    const options = { maxEmitDepth: 8, explain: true };
    const rules = new RuleSet([count]);
    const lateOut = step(rules, subject(), { kind: 'event', event: ev('a', 0, { total: 50 }, 2 * M) }, { now: 2 * M }, options);
    assert.equal(lateOut.late, true);
    assert.equal(lateOut.decisions![0].outcome, 'late');
    const low = step(rules, subject(), { kind: 'event', event: ev('a', 2 * M, { total: 12 }) }, { now: 2 * M }, options);
    assert.equal(low.decisions![0].outcome, 'condition_false');
    assert.equal(low.decisions![0].detail, 'where: false: event.properties.total = 12, needs >= 30');
    const one = step(rules, subject(), { kind: 'event', event: ev('a', 2 * M, { total: 40 }) }, { now: 2 * M }, options);
    assert.equal(one.decisions![0].outcome, 'window_not_reached');
    assert.equal(one.decisions![0].detail, 'window: count 1 of at least 2 within 10m');
    const two = step(rules, one.subject, { kind: 'event', event: ev('a', 3 * M, { total: 40 }) }, { now: 3 * M }, options);
    assert.equal(two.decisions![0].outcome, 'fired');
    assert.deepEqual((two.firings[0].deliveries[0].context.window as { count: number }).count, 2);
    const three = step(rules, two.subject, { kind: 'event', event: ev('a', 4 * M, { total: 40 }) }, { now: 4 * M }, options);
    assert.equal(three.decisions![0].outcome, 'already_fired');
  });

  it('sequence where and templates see steps; change where sees change', () => {
    const seq = rule({ id: 's', when: { event: 'b', where: 'steps[0].properties.plan == "pro"', after: { event: 'a', within: '1h' } }, then: [{ webhook: { url: 'https://x.example/h' } }] });
    const { firings } = run([seq], [ev('a', 0, { plan: 'free' }), ev('b', M), ev('a', 2 * M, { plan: 'pro' }), ev('b', 3 * M)]);
    assert.equal(firings.length, 1);
    assert.equal(firings[0].deliveries[0].context.steps?.[0].properties.plan, 'pro');
    assert.equal(firings[0].eventIds.length, 2);
    const change = rule({ id: 'ch', when: { where: 'change.to == "free"', change: { attribute: 'plan' } }, then });
    assert.equal(run([change], [ev('identify', 0, { plan: 'pro' }), ev('identify', M, { plan: 'free' })]).firings.length, 1);
  });
});

describe('rate limit', () => {
  it('spaces deliveries over t_f with a burst of one second, drops nothing', () => {
    const limiter = new RateLimiter();
    const at = [0, 0, 0, 0, 0].map((t) => limiter.take('r', 2, t));
    assert.deepEqual(at.map((x) => x.notBefore), [0, 0, 500, 1000, 1500]);
    assert.deepEqual(at.map((x) => x.delayed), [false, false, true, true, true]);
    assert.equal(limiter.take('r', 2, 10_000).delayed, false, 'the bucket refills');
    const r = rule({ id: 'r', when: { event: 'a' }, limits: { rate: '1/s' }, then: [{ webhook: { url: 'https://x.example/h' } }] });
    const { firings, suppressions } = run([r], [ev('a', 0), ev('a', 0), ev('a', 0)]);
    assert.deepEqual(firings.map((f) => f.deliveries[0].notBefore), [undefined, 1000, 2000]);
    assert.deepEqual(suppressions.map((s) => s.reason), ['rate_limited', 'rate_limited']);
    assert.match(suppressions[0].detail, /^rate 1\/s: delayed 1000 ms/);
  });
});

describe('save-time checks', () => {
  const base = { id: 'r', then };
  const errorsOf = (doc: unknown) => {
    const result = validateRule(doc);
    return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
  };

  it('name the path and the reason', () => {
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a', count: { at_least: 3, within: 'soon' } } }), ['when.count.within: must be a duration like 500ms, 30s, 10m, 24h or 3d']);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a', count: { at_least: 3, within: '91d' } } }), ['when.count.within: must be at most 90d (91d given)']);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a', count: { at_least: 3, within: '1h' }, after: { event: 'b', within: '1h' } } }), ['when.after: one trigger shape per rule: count and after cannot be combined']);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a', count: { at_least: 3, within: '1h' }, sum: { of: 'event.properties.n', at_least: 3, within: '1h' } } }), ['when.sum: one threshold per rule: count and sum given']);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a', unless: { event: 'b' } } }), ['when.unless.within: is required (or give when.wait, whose time it then takes)']);
    assert.deepEqual(errorsOf({ ...base, when: { where: 'true' } }), ['when.event: is required (it may be left out only with change, where it defaults to identify)']);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a' }, limits: { quiet_hours: { from: '22:00', to: '08:00', timezone: 'Mars/Olympus' } } }), ['limits.quiet_hours.timezone: must be an IANA time zone like Asia/Seoul or America/New_York ("Mars/Olympus" is not known)']);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a' }, limits: { rate: '100/d' } }), ['limits.rate: must be a rate like 100/s, 600/m or 1000/h']);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a' }, limits: { quiet_hours: { from: '25:00', to: '08:00' } } }), ['limits.quiet_hours.from: must be a local time like 22:00']);
    assert.match(errorsOf({ ...base, when: { event: 'a', where: 'window.count > 2' } })[0], /^when\.where: Unknown variable: window/);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a', where: 'window.count > 2', count: { at_least: 3, within: '1h' } } }), []);
    assert.match(errorsOf({ ...base, when: { event: 'b', after: [{ event: 'a', within: '1h', where: 'steps.size() > 0 && evnt.type == "a"' }] } })[0], /^when\.after\[0\]\.where: Unknown variable: evnt/);
    assert.deepEqual(errorsOf({ ...base, when: { event: 'a', unless: { event: 'b', within: '1h', where: 'event.properties.order == trigger.properties.order' } } }), []);
    assert.match(errorsOf({ ...base, when: { event: 'a', sum: { of: 'event.propertes.n', at_least: 3, within: '1h' } } })[0], /^when\.sum\.of: No such key: propertes/);
    assert.deepEqual(errorsOf({ ...base, when: { change: { attribute: 'plan', from: 'pro' }, wait: '1h' } }), []);
  });

  it('groupConflicts and emitLoops', () => {
    const doc = (id: string, extra: Partial<RuleDocument>): RuleDocument => ({ id, when: { event: 'x' }, then, ...extra }) as RuleDocument;
    const conflicts = groupConflicts([
      doc('a', { limits: { group: { name: 'marketing', max: 3, per: '24h' } } }),
      doc('b', { limits: { group: { name: 'marketing', max: 5, per: '24h' } } }),
      doc('c', { limits: { group: { name: 'other', max: 1, per: '1h' } } }),
    ]);
    assert.deepEqual(conflicts.map((c) => c.message), ['group marketing: a says 3 per 24h, b says 5 per 24h (each checks its own)']);
    const loops = emitLoops([
      doc('a', { when: { event: 'x' }, then: [{ emit: { event: 'y' } }] }),
      doc('b', { when: { event: 'y' }, then: [{ emit: { event: 'x' } }] }),
      doc('c', { when: { event: 'z' }, then: [{ emit: { event: 'z' } }] }),
      doc('d', { when: { event: 'y' }, then }),
    ]);
    assert.deepEqual(loops.map((l) => l.cycle), [['a', 'b', 'a'], ['c', 'c']]);
    assert.equal(loops[0].message, 'a emits y, which triggers b; b emits x, which triggers a');
    assert.deepEqual(emitLoops([doc('d', { then: [{ emit: { event: 'q' } }] })]), []);
  });
});

describe('explain on timers and sequences', () => {
  it('says waiting (with when) and cancelled (by which event); a chain condition on steps picks the latest chain that passes', () => {
    const absence = rule({ id: 'abs', when: { event: 'a', unless: { event: 'b', within: '10m' } }, then });
    const options = { maxEmitDepth: 8, explain: true };
    const opened = step(new RuleSet([absence]), subject(), { kind: 'event', event: ev('a', 0) }, { now: 0 }, options);
    assert.equal(opened.decisions![0].outcome, 'waiting');
    assert.equal(opened.decisions![0].until, 11 * M);
    const cancelled = step(new RuleSet([absence]), opened.subject, { kind: 'event', event: ev('b', M) }, { now: M }, options);
    assert.equal(cancelled.decisions![0].outcome, 'cancelled');
    assert.match(cancelled.decisions![0].detail, /^cancelled by m\d+ \(b\)/);
    const seq = rule({ id: 's', when: { event: 'c', after: [{ event: 'a', within: '1h' }, { event: 'b', within: '1h', where: 'event.properties.n == steps[0].properties.n' }] }, then });
    const { firings } = run([seq], [ev('a', 0, { n: 1 }), ev('a', M, { n: 2 }), ev('b', 2 * M, { n: 1 }), ev('c', 3 * M)]);
    assert.equal(firings.length, 1);
    assert.equal(firings[0].eventIds.length, 3);
    const none = run([seq], [ev('a', 0, { n: 1 }), ev('b', 2 * M, { n: 3 }), ev('c', 3 * M)]);
    assert.equal(none.firings.length, 0);
  });
});

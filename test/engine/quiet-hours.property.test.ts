// Quiet hours' end against a brute-force reference: for any instant inside the quiet hours, any zone (DST gaps and
// overlaps, half- and quarter-hour offsets, Lord Howe's 30-minute DST) and any window (wrapping midnight or not),
// the delayed delivery time is the first whole minute whose local time is outside the window. The reference reads
// the local time through a different Intl path (hour/minute only) and walks minute by minute.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { inWindow, localMinuteOfDay, quietHoursEnd } from '../../src/engine/local-time.ts';

const ZONES = ['America/New_York', 'Europe/London', 'Asia/Seoul', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'UTC'];
const MINUTE = 60_000;
const referenceFormatters = new Map(ZONES.map((z) => [z, new Intl.DateTimeFormat('en-GB', { timeZone: z, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })]));

/** Minutes after local midnight, read as "HH:MM" (independent of local-time.ts). */
function referenceMinute(instant: number, zone: string): number {
  const [h, m] = referenceFormatters.get(zone)!.format(instant).split(':').map(Number);
  return h * 60 + m;
}

function referenceEnd(instant: number, zone: string, from: number, to: number): number {
  let t = Math.ceil(instant / MINUTE) * MINUTE;
  for (let steps = 0; steps < 3 * 1440; steps++, t += MINUTE) if (!inWindow(referenceMinute(t, zone), from, to)) return t;
  throw new Error('no end within 3 days');
}

// Instants around the 2026 DST changes of these zones, and elsewhere in the year.
const instants = fc.oneof(
  fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
  ...['2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-04-05T03:00:00Z', '2026-04-05T15:00:00Z', '2026-09-06T04:00:00Z', '2026-09-27T14:00:00Z', '2026-10-04T15:00:00Z', '2026-10-25T01:00:00Z', '2026-11-01T06:00:00Z']
    .map((at) => fc.integer({ min: Date.parse(at) - 36 * 3_600_000, max: Date.parse(at) + 36 * 3_600_000 })),
);

describe('quiet hours end (property, against a minute-by-minute reference)', () => {
  it('is the first whole minute outside the window, in every zone, across DST changes', () => {
    let checked = 0;
    fc.assert(fc.property(instants, fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1439 }), (instant, zone, from, length) => {
      const to = (from + length) % 1440;
      fc.pre(inWindow(localMinuteOfDay(instant, zone), from, to));
      checked++;
      const end = quietHoursEnd(instant, zone, from, to);
      assert.ok(end >= instant, 'never before the instant');
      assert.equal(new Date(end).toISOString(), new Date(referenceEnd(instant, zone, from, to)).toISOString(),
        `${zone} ${new Date(instant).toISOString()} window ${from}-${to}`);
    }), { numRuns: 400, seed: 20261204 });
    assert.ok(checked >= 200, `only ${checked} instants fell inside quiet hours`);
  });

  it('agrees with the reference on the local minute of every instant', () => {
    fc.assert(fc.property(instants, fc.constantFrom(...ZONES), (instant, zone) => {
      assert.equal(localMinuteOfDay(instant, zone), referenceMinute(instant, zone));
    }), { numRuns: 2000, seed: 7 });
  });

  it('ends when a spring-forward gap ends when the window\'s end is a time the clock skips', () => {
    // [zone, the gap's start as an instant, the skipped local minutes [from, to)]
    const gaps: Array<[string, string, number, number]> = [
      ['America/New_York', '2026-03-08T07:00:00Z', 120, 180],
      ['Europe/London', '2026-03-29T01:00:00Z', 60, 120],
      ['Australia/Lord_Howe', '2026-10-03T15:30:00Z', 120, 150],
      ['America/Santiago', '2026-09-06T04:00:00Z', 0, 60],
      ['Pacific/Chatham', '2026-09-26T14:00:00Z', 165, 225],
    ];
    let checked = 0;
    fc.assert(fc.property(fc.constantFrom(...gaps), fc.integer({ min: 1, max: 20 * 60 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 60, max: 1300 }), ([zone, gapAt, skipFrom, skipTo], before, into, length) => {
      const to = skipFrom + (into % (skipTo - skipFrom));
      const from = (((to - length) % 1440) + 1440) % 1440;
      const instant = Date.parse(gapAt) - before * MINUTE;
      fc.pre(inWindow(localMinuteOfDay(instant, zone), from, to));
      checked++;
      const end = quietHoursEnd(instant, zone, from, to);
      assert.equal(new Date(end).toISOString(), new Date(referenceEnd(instant, zone, from, to)).toISOString(), `${zone} ${new Date(instant).toISOString()} window ${from}-${to}`);
    }), { numRuns: 300, seed: 11 });
    assert.ok(checked >= 100, `only ${checked} instants fell inside quiet hours`);
  });
});

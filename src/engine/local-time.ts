// Local wall time in an IANA zone, with Intl only (no time zone library): quiet hours, DST-correct.
// Formatters are cached per zone; an instant is turned into wall fields, and a wall time back into the
// first instant that has it (a wall time skipped by a DST gap becomes the instant the gap ends).

const formatters = new Map<string, Intl.DateTimeFormat>();
const zoneValid = new Map<string, boolean>();

/** True for a time zone Intl knows (IANA names such as Asia/Seoul, and UTC). */
export function isTimeZone(zone: string): boolean {
  let valid = zoneValid.get(zone);
  if (valid === undefined) {
    try { formatter(zone); valid = true; } catch { valid = false; }
    if (zoneValid.size > 10_000) zoneValid.clear();
    zoneValid.set(zone, valid);
  }
  return valid;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of `instant` in `zone`, as the UTC epoch of the same wall fields (whole seconds). */
export function wallTime(instant: number, zone: string): number {
  let year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  for (const part of formatter(zone).formatToParts(instant)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value); break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) + (((instant % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instant`, in ms. */
function offsetAt(instant: number, zone: string): number {
  return wallTime(instant, zone) - instant;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Minutes after local midnight at `instant`. */
export function localMinuteOfDay(instant: number, zone: string): number {
  const wall = wallTime(instant, zone);
  return Math.floor((((wall % DAY) + DAY) % DAY) / MINUTE);
}

/** Whether `minute` (of the local day) is in [from, to), wrapping midnight when from > to. */
export function inWindow(minute: number, from: number, to: number): boolean {
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/**
 * The first instant ≥ `instant` whose wall time is `wall` (a UTC epoch of wall fields); when `wall` does
 * not exist (a DST gap), the instant the gap ends.
 */
export function instantOfWall(wall: number, zone: string, notBefore: number): number {
  const offsets = new Set([offsetAt(wall - DAY, zone), offsetAt(wall, zone), offsetAt(wall + DAY, zone)]);
  let best: number | undefined;
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (candidate >= notBefore && wallTime(candidate, zone) === wall && (best === undefined || candidate < best)) best = candidate;
  }
  if (best !== undefined) return best;
  // A gap: the wall time is skipped. The transition lies between wall - max offset and wall - min offset.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = wall - sorted[sorted.length - 1];
  let hi = wall - sorted[0];
  // Invariant: wall(lo) < wall, wall(hi) > wall; transitions are on whole minutes.
  while (hi - lo > MINUTE) {
    const mid = lo + Math.max(MINUTE, Math.floor((hi - lo) / 2 / MINUTE) * MINUTE);
    if (wallTime(mid, zone) < wall) lo = mid; else hi = mid;
  }
  return Math.max(hi, notBefore);
}

/** The end of the quiet hours [from, to) that contain `instant`: the first instant ≥ it whose local time is not in them. */
export function quietHoursEnd(instant: number, zone: string, fromMinute: number, toMinute: number): number {
  const wall = wallTime(instant, zone);
  const midnight = Math.floor(wall / DAY) * DAY;
  const minute = Math.floor((wall - midnight) / MINUTE);
  // Before `to` on the same local day (the morning part of a wrapped window, or a window within the day), else the next day.
  const day = minute < toMinute ? midnight : midnight + DAY;
  return instantOfWall(day + toMinute * MINUTE, zone, instant);
}

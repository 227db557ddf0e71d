// Last week's purchases for the browser tests that backtest: stored with past arrival times (a backtest replays by
// arrival), three big ones within minutes for ana (5 days ago), ben (3) and dan (1, the newest), three small ones
// for cho (3 days ago) that a `total >= 30` condition stops. A rule "3 purchases of 30 or more within 10 minutes"
// fires 3 times, on 3 days.
import { dataDirWith } from '../backtest/data-dir.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

export function lastWeek(now: number) {
  const events: Array<{ id: string; type: string; subject: string; at: number; properties: Record<string, unknown> }> = [];
  const burst = (day: number, subject: string, total: number) => {
    const start = now - day * DAY;
    for (let i = 0; i < 3; i++) events.push({ id: `w-${day}-${subject}-${i}`, type: 'purchase', subject, at: start + i * 2 * MINUTE, properties: { total, sku: 'tea' } });
  };
  burst(5, 'ana', 45);
  burst(3, 'ben', 60);
  burst(3, 'cho', 12); // too small: the condition stops it
  burst(1, 'dan', 80);
  return events.sort((a, b) => a.at - b.at);
}

/** A data directory holding last week's purchases; start a test server on `dirname(dbFile)`. */
export const dataDirWithLastWeek = () => dataDirWith(lastWeek(Date.now()));

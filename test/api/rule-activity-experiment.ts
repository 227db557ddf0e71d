// A finished holdout experiment written straight into a test server's SQLite file, as the pipeline writes it, for
// the lift badge's tests (the rules list's activity route and its page).
import { join } from 'node:path';
import Database from 'better-sqlite3';

const H = 3_600_000;
const DAY = 86_400_000;

/** A finished experiment written into the server's file as the pipeline writes it: holdout 20 % converting at 20 %, treatment at 50 % (+30 points). */
export function writeExperiment(dataDir: string, ruleId: string, salt: string, subjects: number): void {
  const db = new Database(join(dataDir, 'ifthen.db'), { timeout: 10_000 });
  try {
    const start = Date.now() - 20 * DAY;
    const exposure = db.prepare('INSERT INTO exposures (rule_id, salt, subject, grp, global_control, exposed_at, firing_id, rule_version) VALUES (?, ?, ?, ?, 0, ?, ?, 1)');
    const outcome = db.prepare("INSERT INTO exposure_outcomes (rule_id, salt, metric, subject, grp, exposed_at, window_ms, converted, value) VALUES (?, ?, 'order_completed', ?, ?, ?, ?, ?, 0)");
    db.transaction(() => {
      db.prepare('INSERT OR REPLACE INTO holdout_salts (rule_id, salt, since) VALUES (?, ?, ?)').run(ruleId, salt, start);
      for (let i = 0; i < subjects; i++) {
        const grp = i % 5 === 0 ? 0 : 1;
        const at = start + Math.floor((i / subjects) * 5) * DAY + (i % 20) * H;
        exposure.run(ruleId, salt, `u${i}`, grp, at, `f${i}`);
        outcome.run(ruleId, salt, `u${i}`, grp, at, 3 * DAY, grp === 0 ? Number(i % 25 < 5) : Number(i % 5 < 3 && i % 5 > 0));
      }
    })();
  } finally {
    db.close();
  }
}


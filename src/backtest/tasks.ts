// What the HTTP thread asks of the backtest thread, and how the thread runs it. Plain data both ways.
import type { EngineOptions } from '../engine/types.ts';
import { backtestRules, type RuleToRun, type SavedRuleInfo } from './rule-set.ts';
import { runBacktest, type BacktestResult } from './backtest.ts';
import { nearMisses, type NearMissResult } from './near-misses.ts';
import { SqliteBacktestSource } from './sqlite-event-source.ts';
import type { TimeRange } from './range.ts';
import { DEFAULT_MEMORY_LIMITS } from '../engine/memory-limits.ts';

interface TaskBase {
  readonly dbFile: string;
  readonly target: RuleToRun;
  /** Every saved rule (the cap group's other enabled rules run alongside). */
  readonly saved: readonly SavedRuleInfo[];
  /** The live processor's engine options (no wall clock: a replay is reproducible). */
  readonly engine: EngineOptions;
  readonly now: number;
  /** Wall-clock ms the task may run before it answers with what it covered. */
  readonly budgetMs: number;
}

export type BacktestTask =
  | (TaskBase & { readonly kind: 'backtest'; readonly range: TimeRange; readonly sample: number })
  | (TaskBase & { readonly kind: 'near-misses'; readonly day: string });

export type BacktestTaskResult = BacktestResult | NearMissResult;

export function runTask(task: BacktestTask): BacktestTaskResult {
  const started = performance.now();
  const source = new SqliteBacktestSource(task.dbFile);
  try {
    const lateness = (task.engine.memory ?? DEFAULT_MEMORY_LIMITS).allowedLatenessMs;
    const rules = backtestRules(task.target, task.saved, lateness);
    const deadline = started + task.budgetMs;
    if (task.kind === 'backtest') {
      return runBacktest({ source, rules, range: task.range, sample: task.sample, engine: task.engine, now: task.now, deadline });
    }
    return nearMisses({ source, rules, day: task.day, engine: task.engine, now: task.now, deadline });
  } finally {
    source.close();
  }
}

// The engine options a backtest runs with: the live processor's (pipeline-worker.ts), minus the wall clock, so a
// replay is reproducible and agrees with production on everything but a condition's time budget.
import type { Config } from '../config.ts';
import type { EngineOptions } from '../engine/types.ts';

export function backtestEngineOptions(config: Config): EngineOptions {
  return {
    maxEmitDepth: config.engine.maxEmitDepth, condition: config.condition, render: config.render,
    subject: { maxAttributes: config.limits.subjectAttributes, maxBytes: config.limits.subjectBytes },
  };
}

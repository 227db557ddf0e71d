// The engine options a backtest runs with: the live processor's (pipeline-worker.ts), minus the wall clock, so a
// replay is reproducible and agrees with production on everything but a condition's time budget.
import type { Config } from '../config.ts';
import type { EngineOptions, MemoryLimits } from '../engine/types.ts';

export function backtestEngineOptions(config: Config): EngineOptions {
  // The memory limits (allowed lateness…) as the processor has them, when the configuration carries them.
  const memory = (config as { readonly memory?: MemoryLimits }).memory;
  return {
    maxEmitDepth: config.engine.maxEmitDepth, condition: config.condition, render: config.render,
    subject: { maxAttributes: config.limits.subjectAttributes, maxBytes: config.limits.subjectBytes },
    ...(memory ? { memory } : {}),
    ...(config.globalControl ? { globalControl: config.globalControl } : {}),
  };
}

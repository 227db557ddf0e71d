// The backtest's own settings (IFTHEN_BACKTEST_*), read by loadConfig (src/config.ts) with the others.

export interface BacktestConfig {
  /** IFTHEN_BACKTEST_TIMEOUT_MS: a backtest answers for what it covered by then; default 25,000 (the CLI waits 30 s). */
  readonly timeoutMs: number;
  /** IFTHEN_BACKTEST_MEMORY_MB: the backtest thread's heap; default 512 (state of every subject in the range). */
  readonly memoryMb: number;
  /** IFTHEN_BACKTEST_QUEUE: backtests waiting behind the running one before new ones are refused; default 4. */
  readonly maxQueued: number;
}

export const DEFAULT_BACKTEST_CONFIG: BacktestConfig = { timeoutMs: 25_000, memoryMb: 512, maxQueued: 4 };

export function backtestConfig(env: Readonly<Record<string, string | undefined>>): BacktestConfig {
  const read = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name}: must be an integer of at least ${min}, got "${raw}"`);
    return value;
  };
  return {
    timeoutMs: read('IFTHEN_BACKTEST_TIMEOUT_MS', DEFAULT_BACKTEST_CONFIG.timeoutMs, 100),
    memoryMb: read('IFTHEN_BACKTEST_MEMORY_MB', DEFAULT_BACKTEST_CONFIG.memoryMb, 64),
    maxQueued: read('IFTHEN_BACKTEST_QUEUE', DEFAULT_BACKTEST_CONFIG.maxQueued, 0),
  };
}

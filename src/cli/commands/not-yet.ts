// `ifthen backtest` and `report`: reserved until holdouts land, so scripts get a clear answer and exit code now.
import type { Command } from './args.ts';

export const help = `usage: ifthen backtest <rule-id>    (not available yet)
       ifthen report <rule-id>      (not available yet)`;

export const notYet: Command = async () => {
  process.stderr.write('ifthen: not available yet: backtests and lift reports arrive with holdouts\n');
  return 2;
};

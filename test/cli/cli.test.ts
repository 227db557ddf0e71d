// The `ifthen` command line, run as a child process against one real server and a real webhook receiver. The cases
// are grouped by command in *.cases.ts; they use their own rule ids and event types, so they all run at once.
import { after, before, describe } from 'node:test';
import { startWorld, type World } from './world.ts';
import { applyCases } from './apply.cases.ts';
import { commandCases } from './commands.cases.ts';
import { errorCases } from './errors.cases.ts';
import { runCases } from './runs.cases.ts';
import { explainCases } from './explain.cases.ts';
import { backtestCases } from './backtest.cases.ts';

describe('ifthen, the command line', { concurrency: true }, () => {
  let world: World | undefined;
  before(async () => { world = await startWorld(); });
  after(async () => { await world?.stop(); });
  const ref = () => world!;
  applyCases(ref);
  commandCases(ref);
  errorCases(ref);
  runCases(ref);
  explainCases(ref);
  backtestCases(ref);
});

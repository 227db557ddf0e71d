// One backtest run as the backtest thread runs it, in a process of its own, from the compiled build (the code
// `npm start` runs) or from src under tsx: prints its figures as JSON. Used by `bench/run.ts --only=backtest`.
//   node bench/backtest-child.mjs <modules dir> <.js|.ts> <db file> <rules.json> <from ms> <to ms>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [modules, ext, dbFile, rulesFile, from, to] = process.argv.slice(2);
const load = (path) => import(new URL(`${path}${ext}`, pathToFileURL(`${modules}/`)).href);
const { ruleSetOf } = await load('backtest/rule-set');
const { runBacktest } = await load('backtest/backtest');
const { SqliteBacktestSource } = await load('backtest/sqlite-event-source');
const { validateRule } = await load('engine/rule/validate');
const { DEFAULT_ENGINE_OPTIONS } = await load('engine/step');
const { DEFAULT_MEMORY_LIMITS } = await load('engine/memory-limits');

const documents = JSON.parse(readFileSync(rulesFile, 'utf8')).map((doc) => {
  const checked = validateRule(doc);
  if (!checked.ok) throw new Error(`rule ${doc.id}: ${JSON.stringify(checked.errors)}`);
  return { document: checked.rule, version: 1 };
});
const rules = ruleSetOf(documents, DEFAULT_MEMORY_LIMITS.allowedLatenessMs);
const source = new SqliteBacktestSource(dbFile);
const cpuBefore = process.cpuUsage();
const started = performance.now();
let result;
try {
  result = runBacktest({ source, rules, range: { from: Number(from), to: Number(to) }, sample: 10, engine: DEFAULT_ENGINE_OPTIONS, now: Date.now() });
} finally {
  source.close();
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(JSON.stringify({
  seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, events: result.events, warmUp: result.warmUp.events, firings: result.firings,
  suppressions: result.suppressions, maxRssMb: process.resourceUsage().maxRSS / 1024,
}));

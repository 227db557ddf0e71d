// Times replay() on synthetic events with 10 rules (half with memory): a sanity check of the backtest speed,
// not the benchmark. Usage: node --import tsx scripts/replay-speed.ts [events=1000000]
import { replay } from '../src/engine/replay.ts';
import { RuleSet } from '../src/engine/ruleset.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../src/engine/step.ts';
import { compileRule } from '../src/engine/rule/compile.ts';
import { validateRule } from '../src/engine/rule/validate.ts';
import type { LoggedEvent } from '../src/engine/event.ts';

const count = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 1_000_000);
// --stateless: only the five match rules (the baseline the stateful rules are compared with).
const statelessOnly = process.argv.includes('--stateless');
// --selective: the match rules and the sequence fire on about 1 % of their events (a more usual backtest).
const selective = process.argv.includes('--selective');
// --in-place: memory changed in place (EngineOptions.memoryInPlace), as the backtest runs it.
const inPlace = process.argv.includes('--in-place');
const pick = (where: string) => (selective ? 'event.properties.n > 98' : where);
const then = [{ webhook: { url: 'https://hooks.example.com/x' } }];
const docs = [
  { id: 'm1', when: { event: 'view', where: 'event.properties.n > 90' }, then },
  { id: 'm2', when: { event: 'cart', where: pick('event.properties.n > 50') }, then },
  { id: 'm3', when: { event: 'order', where: pick('true') }, then },
  { id: 'm4', when: { event: 'signup', where: pick('true') }, then },
  { id: 'm5', when: { event: 'view', where: 'event.properties.n == 7' }, then },
  { id: 's1', when: { event: 'view', count: { at_least: 5, within: '10m' } }, then },
  { id: 's2', when: { event: 'cart', sum: { of: 'event.properties.n', at_least: 300, within: '1h' } }, then },
  { id: 's3', when: { event: 'order', where: pick('true'), after: { event: 'cart', within: '1h' } }, then },
  { id: 's4', when: { event: 'cart', where: pick('true'), unless: { event: 'order', within: '30m' } }, then },
  { id: 's5', when: { event: 'signup' }, limits: { per_subject: { max: 1, per: '1d' } }, then },
];
const rules = new RuleSet(docs.filter((d) => !statelessOnly || d.id.startsWith('m')).map((d) => {
  const v = validateRule(d);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return compileRule(v.rule, 1);
}));
const types = ['view', 'view', 'view', 'cart', 'cart', 'order', 'signup', 'other'];
function* events(): Generator<LoggedEvent> {
  let x = 12345;
  // mulberry32: subjects spread evenly over 100,000 ids.
  const rand = () => { x = (x + 0x6d2b79f5) | 0; let t = Math.imul(x ^ (x >>> 15), 1 | x); t ^= t + Math.imul(t ^ (t >>> 7), 61 | t); return ((t ^ (t >>> 14)) >>> 0); };
  for (let i = 0; i < count; i++) {
    const t = 1_700_000_000_000 + i * 10; // 100 events/s of event time
    yield { seq: i + 1, id: `e${i}`, type: types[rand() % types.length], subject: `u${rand() % 100_000}`, time: t - (rand() % 30_000), receivedAt: t, properties: { n: rand() % 100 }, depth: 0 };
  }
}
const started = performance.now();
const cpuStart = process.cpuUsage();
const perRule: Record<string, number> = {};
const summary = replay(rules, events(), { firing: (f) => { perRule[f.ruleId] = (perRule[f.ruleId] ?? 0) + 1; }, error: (e) => { perRule["err:" + e.message.slice(0, 60)] = (perRule["err:" + e.message.slice(0, 60)] ?? 0) + 1; } }, { until: 1_700_000_000_000 + count * 10 + 86_400_000, engine: { ...DEFAULT_ENGINE_OPTIONS, memoryInPlace: inPlace } });
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ ...summary, perRule, seconds: Number(seconds.toFixed(2)), eventsPerSecond: Math.round(count / seconds), cpuSeconds: Number(cpuSeconds.toFixed(2)), eventsPerCpuSecond: Math.round(count / cpuSeconds) }));

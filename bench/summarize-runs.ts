// Median and range of the headline figures over several `npm run bench` runs (their JSON results):
//   node --import tsx bench/summarize-runs.ts bench/results/run-*.json
// Fsync times on a shared virtual disk vary from run to run; one run is not a measurement.
import { readFileSync } from 'node:fs';

interface Run {
  server?: { mode: string; commit: string };
  ingest?: { rate: number; latency: { p99: number }; rssMax: number };
  processing?: { steady: number; overall: number };
  processingWithIngest?: { ingestRate: number; procRate: number };
  latency?: { fromAck: { p99: number; p50: number }; deliveredRate: number };
  'latency-all'?: { fromAck: { p99: number; p50: number }; deliveredRate: number };
  rows?: Array<{ scenario: string; metric: string; value: string }>;
}

const files = process.argv.slice(2);
if (!files.length) {
  process.stderr.write('usage: node --import tsx bench/summarize-runs.ts bench/results/run-*.json\n');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Run);
const peak = (r: Run) => Number(r.rows?.find((x) => x.scenario === 'all')?.value ?? NaN);

const figures: Array<[string, (r: Run) => number | undefined, number]> = [
  ['ingest events/s', (r) => r.ingest?.rate, 0],
  ['ingest request p99 ms', (r) => r.ingest?.latency.p99, 1],
  ['processing events/s (steady)', (r) => r.processing?.steady, 0],
  ['processing events/s (whole backlog)', (r) => r.processing?.overall, 0],
  ['ingest events/s while processing', (r) => r.processingWithIngest?.ingestRate, 0],
  ['processing events/s during ingest', (r) => r.processingWithIngest?.procRate, 0],
  ['latency (10% webhooks) accepted→webhook p99 ms', (r) => r.latency?.fromAck.p99, 1],
  ['latency-all (100% webhooks) accepted→webhook p99 ms', (r) => r['latency-all']?.fromAck.p99, 0],
  ['latency-all webhooks delivered/s', (r) => r['latency-all']?.deliveredRate, 0],
  ['server RSS peak MB (VmHWM)', peak, 0],
];

const fmt = (n: number, digits: number) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const lines = ['| figure | median | min | max | runs |', '| --- | --- | --- | --- | --- |'];
for (const [name, get, digits] of figures) {
  const values = runs.map(get).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (!values.length) continue;
  const median = values.length % 2 ? values[(values.length - 1) / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
  lines.push(`| ${name} | ${fmt(median, digits)} | ${fmt(values[0], digits)} | ${fmt(values[values.length - 1], digits)} | ${values.length} |`);
}
const commits = [...new Set(runs.map((r) => `${r.server?.mode ?? '?'} @ ${r.server?.commit ?? '?'}`))];
process.stdout.write(`${lines.join('\n')}\n\nservers: ${commits.join(', ')}\n`);

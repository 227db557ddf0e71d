// `npm run bench`: starts the real server as a child process on a fresh data dir per scenario, drives it
// from a separate load-generator process over loopback, and prints the figures next to the targets.
//   --only=ingest,processing,latency,latency-all,e2e   run some scenarios (default all); latency-all: every event fires the webhook;
//                                      e2e: 40,000 events (100 per request, 10 connections), half fire a webhook; first request → last webhook
//   --e2e-events=N                     events of the e2e scenario (default 40000)
//   --seconds=N                        measured seconds of the timed scenarios (default 15; plus 3 s warm-up)
//   --events=N                         backlog of the processing scenario (default 300000)
//   --hook-fraction=F                  share of latency-scenario events that fire the webhook (default 0.1)
//   --rate=N                           events/s offered in the latency scenario (default 2000)
//   --server=dist|tsx                  dist (default): the tsc build that `npm start` runs; tsx: as the tests start it
//   --ids=uuid                         random v4 event ids (as Segment SDKs send) instead of sequential ones
//   --profile                          run the measured servers with --cpu-prof; summaries in bench/results/
//   --compare=<git-rev>                A/B: also build that revision (temp dir) and alternate runs of both builds
//   --ab-node-args="ARGS"              A/B: also run this build with these extra node flags (e.g. GC settings), alternating
//   --repeat=N                         run the selected scenarios N times (each variant, alternating); medians in the report
//   --keep                             keep the temporary data dirs
//   --server-env=K=V,K=V               extra environment (configuration) for every server start
//   --quiet-wait=S                     before each scenario wait up to S s (default 120) for the machine to be idle
//   --retries=N                        run a scenario again (up to N times, default 2) when other processes used the CPUs
//   --only=growth [--grow-to=N]        ingest with random UUID ids until the log holds N events (default 10,000,000):
//                                      the rate and p99 per million stored events, file size, restart time
//   --only=subjects [--subjects=N]     N distinct subjects (default 1,000,000) identified in a backlog of 2N events,
//                                      100 rules reading the profile: processing rate and memory
//   --only=backtest [--backtest-events=N]   N events (default 2,000,000) over 7 days and 100,000 subjects written into a
//                                      data dir; the backtest of 10 rules (5 with memory) over them, timed: events/s
//   --only=stateful [--stateful-subjects=N] [--open-windows=N]   100 rules, half with memory (threshold, sequence,
//                                      absence), 100,000 subjects: processing events/s, p99 event → action at --rate,
//                                      and N subjects (default 1,000,000) with open windows: RSS and state on disk
//   --only=report [--report-exposures=N]   a holdout report over N exposures (default 1,000,000; outcomes for a goal and a
//                                      guardrail, 5 goal events each) written into a data dir: cold and warm, in process and over HTTP
//   --only=soak [--soak-minutes=M] [--soak-rate=N]   M minutes (default 30) at N events/s (default 5,000), 10 % firing a
//                                      webhook, retention shortened to minutes: memory, p99 and file size per minute
// BENCH_SERVER_NODE_ARGS adds node flags to every server start; BENCH_SERVER_ENTRY runs another entry
// file without tsx (e.g. a tsc build), for comparisons.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, BUILD_DIR, REPO_ROOT, ProcSampler, api, buildServer, cpuBetween, peakRss, startServer, waitForQuiet, type BenchServer, type CpuUse, type ProcSample, type ServerMode } from './server-process.ts';
import { runLoad, type LoadResult } from './loadgen.ts';
import { startHookReceiver, type HookReceiver } from './receiver.ts';
import { preloadEvents } from './preload.ts';
import { DbProbe } from './db-probe.ts';
import { fmtInt, fmtMb, fmtMs, sleep, slope, summarize, wallNow } from './stats.ts';
import { hookRule, logRules, manySubjectsFactory, subjectRules, type RuleDoc } from './workload.ts';
import { backtestRules, memoryRules, openWindowRule, writeBacktestEvents } from './memory-workload.ts';
import { formatSummary, monotonicOffsetUs, profileFiles, summarizeProfile } from './profile-summary.ts';
import { buildRevision, compareTable, keyFigures } from './compare.ts';
import { reportScenario } from './report.ts';

// ---------------------------------------------------------------------------------------------- options

const argv = process.argv.slice(2);
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const flag = (name: string) => argv.includes(`--${name}`);
if (opt('only') === 'console') { await import('./console.ts'); process.exit(process.exitCode ?? 0); } // the console's first load and bundle (bench/console.ts)
const SCENARIOS = ['ingest', 'processing', 'latency', 'latency-all', 'e2e', 'growth', 'subjects', 'soak', 'backtest', 'stateful', 'report'] as const;
type Scenario = (typeof SCENARIOS)[number];
// growth, subjects and soak take minutes and gigabytes: only when asked for.
const LONG: readonly string[] = ['growth', 'subjects', 'soak', 'backtest', 'stateful', 'report'];
const only = (opt('only') ?? SCENARIOS.filter((s) => !LONG.includes(s)).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only: unknown scenario "${name}" (${SCENARIOS.join(', ')})`);
const SECONDS = Number(opt('seconds') ?? 15);
const WARMUP = Math.min(3, Math.max(1, SECONDS / 5));
const BACKLOG = Number(opt('events') ?? 300_000);
const HOOK_FRACTION = Number(opt('hook-fraction') ?? 0.1);
const RATE = Number(opt('rate') ?? 2000);
const GROW_TO = Number(opt('grow-to') ?? 10_000_000);
const MANY_SUBJECTS = Number(opt('subjects') ?? 1_000_000);
const SOAK_MINUTES = Number(opt('soak-minutes') ?? 30);
const SOAK_RATE = Number(opt('soak-rate') ?? 5000);
const BACKTEST_EVENTS = Number(opt('backtest-events') ?? 2_000_000);
const OPEN_WINDOWS = Number(opt('open-windows') ?? 1_000_000);
/** Retention in minutes instead of days, so that the soak runs several deletion cycles (README "Retention"). */
const SOAK_RETENTION: Record<string, string> = {
  IFTHEN_RETENTION_EVENTS_MS: '180000', IFTHEN_RETENTION_FIRINGS_MS: '180000', IFTHEN_RETENTION_DELIVERED_MS: '120000',
  IFTHEN_RETENTION_DEAD_MS: '300000', IFTHEN_RETENTION_INTERVAL_MS: '10000', IFTHEN_DEDUPE_WINDOW_MS: '120000',
};
const E2E_EVENTS = Number(opt('e2e-events') ?? 40_000);
const SERVER_MODE: ServerMode = opt('server') === 'tsx' ? 'tsx' : 'dist';
const IDS = opt('ids') === 'uuid' ? 'uuid' as const : 'sequential' as const;
const PROFILE = flag('profile');
const KEEP = flag('keep');
const QUIET_WAIT = Number(opt('quiet-wait') ?? 120);
const RETRIES = Number(opt('retries') ?? 2);
const COMPARE = opt('compare');
const REPEAT = Math.max(1, Number(opt('repeat') ?? 1));
const AB_NODE_ARGS = opt('ab-node-args');
/** --server-env=K=V,K=V: configuration for every server start (e.g. IFTHEN_DELIVERY_CONCURRENCY_PER_HOST=32). */
const SERVER_ENV: Record<string, string> = Object.fromEntries((opt('server-env') ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const RUN_TAG = Date.now().toString(36);

const TARGETS = { ingest: 60_000, processing: 20_000, latencyP99: 50, rssMb: 300, e2e: 15_000, backtest: 200_000, statefulProcessing: 10_000, statefulP99: 100, openWindowsRssMb: 500 };

// ---------------------------------------------------------------------------------------------- report

interface Row { scenario: string; metric: string; value: string; target?: string; met?: boolean }
const rows: Row[] = [];
const notes: string[] = [];
const problems: string[] = [];
const json: Record<string, unknown> = {};
const rssPeaks: number[] = [];
let wasContended = false;
let attempt = 0;

/** In an A/B run: which build the rows come from ('' when there is one). */
let variant = '';
const row = (scenario: string, metric: string, value: string, target?: string, met?: boolean) => rows.push({ scenario: variant ? `${scenario} [${variant}]` : scenario, metric, value, target, met });
const cores = (c: CpuUse) => `HTTP ${c.main.toFixed(2)}, pipeline ${c.pipeline.toFixed(2)}, process ${c.total.toFixed(2)}`;
const contention = (c: CpuUse) => `${c.others.toFixed(2)} cores busy elsewhere; HTTP / pipeline thread waited for a CPU ${(100 * c.mainWait).toFixed(0)}% / ${(100 * c.pipelineWait).toFixed(0)}% of the time`;

/** Other processes (other sessions' tests) on these 2 CPUs bias every figure low: say so next to the figures. */
function contended(scenario: string, measured: CpuUse, generatorCores = 0) {
  const c = { ...measured, others: measured.others - (Number.isFinite(generatorCores) ? generatorCores : 0) };
  row(scenario, 'machine: other load; CPU waits of the server', contention(c));
  if (c.others > 0.25) wasContended = true;
  if (c.others > 0.25) problems.push(`${scenario}: the machine was not quiet (${c.others.toFixed(2)} cores used by other processes); figures are biased low — run again`);
}
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function check(scenario: string, ok: boolean, message: string) {
  if (!ok) { problems.push(`${scenario}: ${message}`); log(`CHECK FAILED ${scenario}: ${message}`); }
}

function checkLoad(scenario: string, load: LoadResult) {
  check(scenario, load.failures === 0, `${load.failures} failed requests, e.g. ${load.failureSamples.join(' | ')}`);
  check(scenario, load.rejected === 0, `${load.rejected} events rejected`);
  check(scenario, load.duplicate === 0, `${load.duplicate} events reported duplicate`);
  check(scenario, load.accepted === load.events, `accepted ${load.accepted} of ${load.events} sent`);
}

// ---------------------------------------------------------------------------------------------- helpers

function tempDir(name: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `ifthen-bench-${name}-`));
  return { path, remove: () => { if (!KEEP) rmSync(path, { recursive: true, force: true }); } };
}

function profileArgs(name: string): string[] {
  if (!PROFILE) return [];
  const dir = join(RESULTS, 'profiles', `${RUN_TAG}-${name}-${attempt}`);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

const MONO_OFFSET_US = monotonicOffsetUs();

/** A measured interval (wall ms), for cutting start-up and idle time out of the CPU profiles. */
interface Phase { readonly label: string; readonly from: number; readonly to: number }

async function stopServer(server: BenchServer, name: string, phases: readonly Phase[] = []) {
  rssPeaks.push(peakRss(server.pid));
  const code = await server.stop();
  check(name, code === 0, `server exited with ${code}: ${server.output().slice(-2000)}`);
  if (PROFILE) {
    const dir = join(RESULTS, 'profiles', `${RUN_TAG}-${name}-${attempt}`);
    const files = profileFiles(dir);
    if (!files.length) notes.push(`${name}: no .cpuprofile written in ${dir}`);
    const parts: string[] = [];
    for (const phase of phases.length ? phases : [{ label: 'whole run', from: -Infinity, to: Infinity }]) {
      const window = { fromUs: phase.from * 1000 + MONO_OFFSET_US, toUs: phase.to * 1000 + MONO_OFFSET_US };
      parts.push(`## ${name}: ${phase.label} (${Number.isFinite(phase.to - phase.from) ? `${((phase.to - phase.from) / 1000).toFixed(1)} s` : 'all samples'})`);
      for (const file of files) {
        const summary = summarizeProfile(file, window);
        if (summary.thread.includes('loader hooks') && summary.busyMs < 0.05 * summary.wallMs) continue; // idle after start-up
        parts.push(formatSummary(summary, 30));
      }
    }
    writeFileSync(join(RESULTS, `profile-${name}.txt`), `${parts.join('\n\n')}\n`);
    log(`profile summary: ${join(RESULTS, `profile-${name}.txt`)}`);
  }
}

async function putRules(url: string, rules: readonly (RuleDoc | { id: string })[]) {
  for (const rule of rules) {
    const res = await api(url, 'PUT', `/v1/rules/${rule.id}`, rule);
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT rule ${rule.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

interface Ready { at: number; cursor: string | null; lagEvents: number; lagSeconds: number }

async function readyz(url: string): Promise<Ready> {
  const res = await api(url, 'GET', '/readyz');
  if (res.status !== 200) throw new Error(`/readyz: ${res.status} ${JSON.stringify(res.body)}`);
  return { at: wallNow(), ...res.body };
}

/** Sum of a Prometheus counter over its labels. */
async function metricSum(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** Polls the processor's committed position until it reaches the log head (or the time runs out). */
async function untilCaughtUp(probe: DbProbe, maxSeconds: number, everyMs = 250) {
  const samples: Array<{ at: number; position: number; head: number }> = [];
  const deadline = wallNow() + maxSeconds * 1000;
  for (;;) {
    const p = probe.position();
    samples.push(p);
    if (p.position >= p.head) return { samples, caughtUp: true };
    if (wallNow() > deadline) return { samples, caughtUp: false };
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------- scenarios

async function ingestScenario() {
  const name = 'ingest';
  const dir = tempDir(name);
  const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: SERVER_ENV, mode: SERVER_MODE });
  const sampler = new ProcSampler(server.pid, 500);
  const phases: Phase[] = [];
  try {
    await sleep(1000);
    const idleRss = sampler.sample()?.rssBytes ?? NaN;
    log(`ingest: 10 connections x 100 events/request, ${WARMUP}s warm-up + ${SECONDS}s, no rules`);
    const load = await runLoad({
      mode: 'closed', url: server.url, token: ADMIN_TOKEN, connections: 10, batch: 100,
      seconds: WARMUP + SECONDS, warmupSeconds: WARMUP, prefix: `ing-${RUN_TAG}`, ids: IDS,
    });
    sampler.stop();
    phases.push({ label: 'measured ingest window', from: load.windowStart, to: load.windowEnd });
    checkLoad(name, load);
    const head = new DbProbe(dir.path);
    const { head: stored } = head.position();
    head.close();
    check(name, stored === load.accepted, `log head ${stored} != events accepted ${load.accepted}`);
    const rate = load.measuredEvents / load.measuredSeconds;
    const lat = summarize(load.latencies);
    const cpu = cpuBetween(server.pid, sampler.nearest(load.windowStart), sampler.nearest(load.windowEnd));
    row(name, 'events/s acknowledged (batches of 100, 10 conns)', fmtInt(rate), `≥ ${fmtInt(TARGETS.ingest)}`, rate >= TARGETS.ingest);
    row(name, 'request latency p50 / p95 / p99 (ms)', `${fmtMs(lat.p50)} / ${fmtMs(lat.p95)} / ${fmtMs(lat.p99)}`);
    row(name, 'events sent / accepted / rejected', `${fmtInt(load.events)} / ${fmtInt(load.accepted)} / ${fmtInt(load.rejected)}`);
    row(name, 'server CPU, cores', cores(cpu));
    row(name, 'load generator CPU, cores', load.generatorCores.toFixed(2));
    contended(name, cpu, load.generatorCores);
    row(name, 'server RSS idle after start → max under load (MB, sampled / VmHWM)', `${fmtMb(idleRss)} → ${fmtMb(sampler.maxRss)} / ${fmtMb(peakRss(server.pid))} (${sampler.maxRssParts})`, `≤ ${TARGETS.rssMb}`, peakRss(server.pid) / 1048576 <= TARGETS.rssMb);
    json.ingest = { idleRss, rate, latency: lat, cpu, generatorCores: load.generatorCores, rssMax: sampler.maxRss, requests: load.requests, events: load.events };
  } finally {
    sampler.stop();
    await stopServer(server, name, phases);
    dir.remove();
  }
}

/** Ingest with random ids while the log grows to GROW_TO events: is the rate flat, or does it slope down? */
async function growthScenario() {
  const name = 'growth';
  const dir = tempDir(name);
  const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: SERVER_ENV, mode: SERVER_MODE });
  const sampler = new ProcSampler(server.pid, 1000);
  const phases: Phase[] = [];
  const step = Math.max(100_000, Math.round(GROW_TO / 10 / 100_000) * 100_000);
  let restarted: BenchServer | undefined;
  try {
    log(`growth: random UUID ids, 10 connections x 100 events/request, until ${fmtInt(GROW_TO)} events are stored`);
    const load = await runLoad({
      mode: 'closed', url: server.url, token: ADMIN_TOKEN, connections: 10, batch: 100, seconds: 3600, warmupSeconds: 0,
      prefix: `grow-${RUN_TAG}`, ids: 'uuid', stopAfterEvents: GROW_TO, markEvery: step,
    });
    sampler.stop();
    phases.push({ label: 'growth', from: load.windowStart, to: load.windowEnd });
    checkLoad(name, load);
    const cpu = cpuBetween(server.pid, sampler.nearest(load.windowStart), sampler.nearest(load.windowEnd));
    const overall = load.accepted / load.measuredSeconds;
    row(name, `events/s acknowledged, empty → ${fmtInt(load.accepted)} stored (UUID ids, batches of 100, 10 conns)`, fmtInt(overall), `≥ ${fmtInt(TARGETS.ingest)}`, overall >= TARGETS.ingest);
    for (const m of load.marks) {
      row(name, `  events/s and request p50 / p99 (ms), ${fmtInt(m.events - step)} → ${fmtInt(m.events)} stored`, `${fmtInt(m.rate)}; ${fmtMs(m.p50)} / ${fmtMs(m.p99)}`, `≥ ${fmtInt(TARGETS.ingest)}`, m.rate >= TARGETS.ingest);
    }
    const lat = summarize(load.latencies);
    row(name, 'request latency p50 / p95 / p99 (ms), whole run', `${fmtMs(lat.p50)} / ${fmtMs(lat.p95)} / ${fmtMs(lat.p99)}`);
    row(name, 'server CPU, cores', cores(cpu));
    contended(name, cpu, load.generatorCores);
    row(name, 'server RSS max (MB, sampled / VmHWM)', `${fmtMb(sampler.maxRss)} / ${fmtMb(peakRss(server.pid))} (${sampler.maxRssParts})`);
    const probe = new DbProbe(dir.path);
    const stored = probe.position().head;
    const disk = probe.diskPerRow();
    probe.close();
    row(name, 'disk bytes per stored event (events table and index, dbstat)', fmtInt(disk.perEvent));
    check(name, stored === load.accepted, `log head ${stored} != events accepted ${load.accepted}`);
    await stopServer(server, name, phases);
    const file = fileBytes(dir.path);
    row(name, 'database file (MB, with WAL) and bytes per stored event', `${fmtMb(file)}; ${fmtInt(file / stored)}`);
    // The dedupe window is rebuilt from the log at start: how long does a restart take at this size?
    const before = wallNow();
    restarted = await startServer({ dataDir: dir.path, env: SERVER_ENV, mode: SERVER_MODE });
    row(name, `restart until ready with ${fmtInt(stored)} events (rebuilds the dedupe window)`, `${((wallNow() - before) / 1000).toFixed(1)} s`);
    row(name, 'server RSS after the restart (MB)', fmtMb(peakRss(restarted.pid)));
    json.growth = { marks: load.marks, overall, latency: lat, cpu, file, stored };
  } finally {
    sampler.stop();
    if (restarted) await stopServer(restarted, `${name}-restart`);
    else await stopServer(server, name, phases);
    dir.remove();
  }
}

/** A backlog with MANY_SUBJECTS distinct subjects, each identified, and rules that read their profiles. */
async function subjectsScenario() {
  const name = 'subjects';
  const dir = tempDir(name);
  const backlog = 2 * MANY_SUBJECTS;
  const setup = await startServer({ dataDir: dir.path, env: SERVER_ENV, mode: SERVER_MODE });
  await putRules(setup.url, subjectRules(100));
  await setup.stop();
  log(`subjects: preloading ${fmtInt(MANY_SUBJECTS)} identifies of distinct subjects and as many events for them`);
  const preload = await preloadEvents(dir.path, backlog, `subj-${RUN_TAG}`, (e) => e.type !== 'identify' && e.properties.n < 100, 'sequential', 10_000, manySubjectsFactory(`subj-${RUN_TAG}`, MANY_SUBJECTS));
  log(`subjects: preloaded in ${preload.seconds.toFixed(1)} s; ${fmtInt(preload.matching)} should fire a rule; starting the server`);
  const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: SERVER_ENV, mode: SERVER_MODE });
  const sampler = new ProcSampler(server.pid, 500);
  const probe = new DbProbe(dir.path);
  const phases: Phase[] = [];
  try {
    const { samples, caughtUp } = await untilCaughtUp(probe, 600, 500);
    const first = samples[0];
    const last = samples[samples.length - 1];
    sampler.stop();
    check(name, caughtUp, `not caught up: position ${last.position} of ${last.head}`);
    phases.push({ label: 'processing the backlog', from: first.at, to: last.at });
    const mid = samples.filter((s) => s.position >= 0.1 * backlog && s.position <= 0.9 * backlog).map((s) => [s.at / 1000, s.position] as const);
    const steady = slope(mid);
    const cpu = cpuBetween(server.pid, sampler.nearest(first.at), sampler.nearest(last.at));
    const atCatchUp = probe.full();
    const errors = await metricSum(server.url, 'ifthen_events_failed_total');
    check(name, atCatchUp.firings === preload.matching, `firings ${atCatchUp.firings} != expected ${preload.matching}`);
    check(name, errors === 0, `${errors} events failed processing`);
    const stored = probe.count('subjects');
    check(name, stored === MANY_SUBJECTS, `${stored} subjects stored, expected ${MANY_SUBJECTS}`);
    const peak = peakRss(server.pid);
    row(name, `events/s processed, ${fmtInt(backlog)} events over ${fmtInt(MANY_SUBJECTS)} subjects, 100 rules reading the profile (steady 10–90%)`, fmtInt(steady), `≥ ${fmtInt(TARGETS.processing)}`, steady >= TARGETS.processing);
    row(name, 'subjects stored / firings (expected) / processing errors', `${fmtInt(stored)} / ${fmtInt(atCatchUp.firings)} (${fmtInt(preload.matching)}) / ${fmtInt(errors)}`);
    row(name, 'server CPU while processing, cores', cores(cpu));
    contended(name, cpu);
    row(name, 'server RSS max (MB, sampled / VmHWM)', `${fmtMb(sampler.maxRss)} / ${fmtMb(peak)} (${sampler.maxRssParts})`, `≤ ${TARGETS.rssMb}`, peak / 1048576 <= TARGETS.rssMb);
    json.subjects = { subjects: MANY_SUBJECTS, backlog, steady, cpu, peak, samples };
  } finally {
    sampler.stop();
    probe.close();
    await stopServer(server, name, phases);
    dir.remove();
  }
}

/**
 * The backtest of 10 rules (5 stateless, 5 with memory) over BACKTEST_EVENTS stored events, run as the backtest
 * thread runs it (src/backtest: read-only connection, spans, replay()), in this process: events replayed per second.
 */
async function backtestScenario() {
  const name = 'backtest';
  const dir = tempDir(name);
  try {
    const end = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    log(`backtest: writing ${fmtInt(BACKTEST_EVENTS)} events over 7 days for 100,000 subjects`);
    const data = writeBacktestEvents(dir.path, BACKTEST_EVENTS, 100_000, 7, end);
    log(`backtest: written in ${data.seconds.toFixed(1)} s; backtesting 10 rules`);
    // In a process of its own, from the build the server runs (or src under tsx with --server=tsx); the whole range but
    // its first day, so that the warm-up replays history too.
    const rulesFile = join(dir.path, 'rules.json');
    writeFileSync(rulesFile, JSON.stringify(backtestRules()));
    const modules = SERVER_MODE === 'dist' ? [BUILD_DIR, '.js'] : [join(REPO_ROOT, 'src'), '.ts'];
    // The young generation the backtest thread gets (backtest-runner.ts YOUNG_GENERATION_MB = 3 semi-spaces of 32 MB).
    const child = spawnSync(process.execPath, ['--max-semi-space-size=32', ...(SERVER_MODE === 'dist' ? [] : ['--import', 'tsx']), join(REPO_ROOT, 'bench', 'backtest-child.mjs'), ...modules, join(dir.path, 'ifthen.db'), rulesFile, String(data.from + 86_400_000), String(data.to)], { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`backtest child failed: ${child.stderr}`);
    const result = JSON.parse(child.stdout) as { seconds: number; cpuSeconds: number; events: number; warmUp: number; firings: number; maxRssMb: number };
    const { seconds } = result;
    const replayed = result.events + result.warmUp;
    const perSecond = replayed / seconds;
    row(name, `events/s replayed, 10 rules (5 with memory), ${fmtInt(replayed)} events (${fmtInt(result.warmUp)} warm-up) of ${fmtInt(BACKTEST_EVENTS)} stored`, fmtInt(perSecond), `≥ ${fmtInt(TARGETS.backtest)}`, perSecond >= TARGETS.backtest);
    row(name, 'events/s per CPU second (the same run: CPU time of the backtest process)', fmtInt(replayed / result.cpuSeconds));
    row(name, 'log positions scanned/s (types no rule reads are not returned)', fmtInt(BACKTEST_EVENTS / seconds));
    row(name, 'seconds; CPU seconds (user + system); firings of the reported rule', `${seconds.toFixed(1)}; ${result.cpuSeconds.toFixed(1)}; ${fmtInt(result.firings)}`);
    row(name, 'backtest process RSS max (MB)', fmtInt(result.maxRssMb));
    const firings = result.firings;
    json.backtest = { events: BACKTEST_EVENTS, replayed, seconds, perSecond, warmUp: result.warmUp, firings, cpuSeconds: result.cpuSeconds };
  } finally {
    dir.remove();
  }
}

/** 100 rules, half with memory: processing rate over a backlog, p99 event → webhook at RATE, and many open windows. */
async function statefulScenario() {
  const name = 'stateful';
  const rules = memoryRules(100);
  // Processing: a backlog over 100,000 subjects.
  {
    const dir = tempDir(name);
    const setup = await startServer({ dataDir: dir.path, env: SERVER_ENV, mode: SERVER_MODE });
    await putRules(setup.url, rules);
    await setup.stop();
    log(`stateful: preloading ${fmtInt(BACKLOG)} events`);
    await preloadEvents(dir.path, BACKLOG, `mem-${RUN_TAG}`, () => false, IDS);
    const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: SERVER_ENV, mode: SERVER_MODE });
    const sampler = new ProcSampler(server.pid, 500);
    const probe = new DbProbe(dir.path);
    try {
      const { samples, caughtUp } = await untilCaughtUp(probe, 600, 200);
      const first = samples[0];
      const last = samples[samples.length - 1];
      check(name, caughtUp, `not caught up: position ${last.position} of ${last.head}`);
      const mid = samples.filter((p) => p.position >= 0.1 * BACKLOG && p.position <= 0.9 * BACKLOG).map((p) => [p.at / 1000, p.position] as const);
      const steady = slope(mid);
      const cpu = cpuBetween(server.pid, sampler.nearest(first.at), sampler.nearest(last.at));
      const errors = await metricSum(server.url, 'ifthen_events_failed_total');
      check(name, errors === 0, `${errors} events failed processing`);
      const full = probe.full();
      row(name, `events/s processed, ${fmtInt(BACKLOG)} backlog, 100 rules (50 with memory), 100,000 subjects (steady 10–90%)`, fmtInt(steady), `≥ ${fmtInt(TARGETS.statefulProcessing)}`, steady >= TARGETS.statefulProcessing);
      row(name, 'firings / processing errors', `${fmtInt(full.firings)} / ${fmtInt(errors)}`);
      row(name, 'server CPU while processing, cores', cores(cpu));
      contended(name, cpu);
      sampler.stop();
      row(name, 'server RSS max (MB, VmHWM)', fmtMb(peakRss(server.pid)));
      json.stateful = { backlog: BACKLOG, steady, firings: full.firings, cpu };
    } finally {
      sampler.stop();
      probe.close();
      await stopServer(server, name);
      dir.remove();
    }
  }
  // Latency: RATE events/s with the 99 other rules (half with memory) and the webhook rule.
  await latencyScenario(`${name}-latency`, HOOK_FRACTION, rules.slice(0, 99));
  const latency = json[`${name}-latency`] as { fromAck?: { p99: number } } | undefined;
  if (latency?.fromAck) row(`${name}-latency`, 'p99 event → action (ms), target of rules with memory', fmtMs(latency.fromAck.p99), `≤ ${TARGETS.statefulP99}`, latency.fromAck.p99 <= TARGETS.statefulP99);
  // Open windows: OPEN_WINDOWS subjects, one event each, each opening a window that stays open for an hour.
  {
    const dir = tempDir(`${name}-windows`);
    const type = 'ev_0';
    const setup = await startServer({ dataDir: dir.path, env: SERVER_ENV, mode: SERVER_MODE });
    await putRules(setup.url, [openWindowRule(type)]);
    await setup.stop();
    log(`stateful: preloading ${fmtInt(OPEN_WINDOWS)} events of distinct subjects`);
    let k = 0;
    await preloadEvents(dir.path, OPEN_WINDOWS, `win-${RUN_TAG}`, () => false, 'sequential', 10_000, () => ({ id: `win-${RUN_TAG}-${k}`, type, subject: `window_${k++}`, properties: { n: 1 } }));
    const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(`${name}-windows`), env: SERVER_ENV, mode: SERVER_MODE });
    const sampler = new ProcSampler(server.pid, 500);
    const probe = new DbProbe(dir.path);
    try {
      const { samples, caughtUp } = await untilCaughtUp(probe, 900, 500);
      const last = samples[samples.length - 1];
      check(`${name}-windows`, caughtUp, `not caught up: position ${last.position} of ${last.head}`);
      const rate = (last.position - samples[0].position) / ((last.at - samples[0].at) / 1000);
      const withMemory = probe.count('subjects');
      sampler.stop();
      const peak = peakRss(server.pid);
      row(`${name}-windows`, `server RSS max with ${fmtInt(OPEN_WINDOWS)} subjects with an open window (MB, sampled / VmHWM)`, `${fmtMb(sampler.maxRss)} / ${fmtMb(peak)}`, `≤ ${TARGETS.openWindowsRssMb}`, peak / 1048576 <= TARGETS.openWindowsRssMb);
      row(`${name}-windows`, 'subjects stored (state on disk); events/s processed; database file (MB)', `${fmtInt(withMemory)}; ${fmtInt(rate)}; ${fmtMb(fileBytes(dir.path))}`);
      json[`${name}-windows`] = { subjects: OPEN_WINDOWS, peak, maxRss: sampler.maxRss, stored: withMemory, rate };
    } finally {
      sampler.stop();
      probe.close();
      await stopServer(server, `${name}-windows`);
      dir.remove();
    }
  }
}

/** A long steady load with retention on: after the first retention cycle, memory, latency and file size stay flat. */
async function soakScenario() {
  const name = 'soak';
  const dir = tempDir(name);
  const receiver = await startHookReceiver();
  const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: { ...SOAK_RETENTION, ...SERVER_ENV }, mode: SERVER_MODE });
  const sampler = new ProcSampler(server.pid, 1000);
  const probe = new DbProbe(dir.path);
  const phases: Phase[] = [];
  const minutes: Array<{ at: number; file: number; events: number; deliveries: number }> = [];
  const perMinute = setInterval(() => {
    try {
      minutes.push({ at: wallNow(), file: fileBytes(dir.path), events: probe.count('events'), deliveries: probe.count('deliveries') });
    } catch { /* a file renamed between listing and stat: the next minute has it */ }
  }, 60_000);
  try {
    await putRules(server.url, [...logRules(99), hookRule(`${receiver.url}/hook`)]);
    const batch = 50;
    const intervalMs = (1000 * batch) / SOAK_RATE;
    const seconds = SOAK_MINUTES * 60;
    log(`soak: ${fmtInt(SOAK_RATE)} events/s for ${SOAK_MINUTES} min, 10 % fire a webhook, retention ${JSON.stringify(SOAK_RETENTION)}`);
    const load = await runLoad({
      mode: 'paced', url: server.url, token: ADMIN_TOKEN, connections: 10, batch, intervalMs, maxInFlight: 200,
      seconds, warmupSeconds: 0, prefix: `soak-${RUN_TAG}`, hookFraction: 0.1, seed: 99, ids: 'uuid', markEvery: SOAK_RATE * 60,
    });
    clearInterval(perMinute);
    sampler.stop();
    phases.push({ label: 'soak', from: load.windowStart, to: load.windowEnd });
    checkLoad(name, load);
    check(name, load.skippedTicks === 0, `${load.skippedTicks} send ticks skipped: the offered rate was not met`);
    const waitStart = wallNow();
    while ((await receiver.count()) < load.hookEvents.length && wallNow() - waitStart < 60_000) await sleep(100);
    const report = await receiver.report();
    const arrivals = new Map<string, number>();
    for (const [id, at] of report.arrivals) if (!arrivals.has(id)) arrivals.set(id, at);
    check(name, arrivals.size === load.hookEvents.length, `receiver got ${arrivals.size} of ${load.hookEvents.length} webhooks`);
    let duplicates = 0;
    for (const [, n] of report.repeatedKeys) duplicates += n - 1;
    check(name, duplicates === 0, `${duplicates} webhooks delivered twice`);
    // Per minute: RSS, ingest request p99 (from the load generator's marks), accepted → webhook p99, file size.
    const hookByMinute: number[][] = [];
    for (const [id, , ackAt] of load.hookEvents) {
      const at = arrivals.get(id);
      if (at !== undefined) (hookByMinute[Math.floor((ackAt - load.windowStart) / 60_000)] ??= []).push(at - ackAt);
    }
    const table: string[] = ['| minute | RSS MB | ingest p99 ms | accepted→webhook p99 ms | file MB | events stored | deliveries stored |', '| --- | --- | --- | --- | --- | --- | --- |'];
    for (let m = 0; m < minutes.length; m++) {
      const end = minutes[m];
      const rss = sampler.nearest(end.at)?.rssBytes ?? NaN;
      const mark = load.marks[m];
      const hook = summarize(hookByMinute[m] ?? []);
      table.push(`| ${m + 1} | ${fmtMb(rss)} | ${mark ? fmtMs(mark.p99) : ''} | ${fmtMs(hook.p99)} | ${fmtMb(end.file)} | ${fmtInt(end.events)} | ${fmtInt(end.deliveries)} |`);
    }
    writeFileSync(join(RESULTS, 'soak-minutes.md'), `${table.join('\n')}\n`);
    log(`soak: per-minute table in ${join(RESULTS, 'soak-minutes.md')}`);
    // Flat after the first retention cycle: compare the second third of the run with the last third.
    const third = Math.floor(minutes.length / 3);
    const range = (from: number, to: number, f: (i: number) => number) => { const v = Array.from({ length: to - from }, (_, i) => f(from + i)).filter(Number.isFinite); return v.length ? [Math.min(...v), Math.max(...v)] : [NaN, NaN]; };
    const rssAt = (i: number) => sampler.nearest(minutes[i].at)?.rssBytes ?? NaN;
    const [rssMid] = range(third, 2 * third, rssAt);
    const [, rssEnd] = range(2 * third, minutes.length, rssAt);
    const [fileMid] = range(third, 2 * third, (i) => minutes[i].file);
    const [, fileEnd] = range(2 * third, minutes.length, (i) => minutes[i].file);
    const overall = summarize(load.latencies);
    const hooks = summarize(hookByMinute.flat());
    row(name, `offered ${fmtInt(SOAK_RATE)} events/s for ${SOAK_MINUTES} min: events / webhooks delivered (redelivered)`, `${fmtInt(load.accepted)} / ${fmtInt(arrivals.size)} (${duplicates})`);
    row(name, 'ingest request p50 / p99 (ms), whole run', `${fmtMs(overall.p50)} / ${fmtMs(overall.p99)}`);
    row(name, 'accepted→webhook p50 / p99 (ms), whole run', `${fmtMs(hooks.p50)} / ${fmtMs(hooks.p99)}`);
    row(name, 'RSS (MB): lowest in the middle third → highest in the last third', `${fmtMb(rssMid)} → ${fmtMb(rssEnd)}`, 'flat', rssEnd <= rssMid * 1.1);
    row(name, 'file (MB): lowest in the middle third → highest in the last third', `${fmtMb(fileMid)} → ${fmtMb(fileEnd)}`, 'flat', fileEnd <= fileMid * 1.1);
    row(name, 'server RSS max (MB, sampled / VmHWM)', `${fmtMb(sampler.maxRss)} / ${fmtMb(peakRss(server.pid))} (${sampler.maxRssParts})`, `≤ ${TARGETS.rssMb}`, peakRss(server.pid) / 1048576 <= TARGETS.rssMb);
    const disk = probe.diskPerRow();
    row(name, `disk bytes per stored event / per firing with its deliveries and attempts (dbstat, ${fmtInt(disk.events)} events, ${fmtInt(disk.firings)} firings at the end)`, `${fmtInt(disk.perEvent)} / ${fmtInt(disk.perFiring)}`);
    json.soak = { disk, minutes, marks: load.marks, hooks, overall, rss: sampler.samples.map((s) => [s.at, s.rssBytes]) };
  } finally {
    clearInterval(perMinute);
    sampler.stop();
    probe.close();
    await stopServer(server, name, phases);
    await receiver.close();
    dir.remove();
  }
}

function fileBytes(dataDir: string): number {
  let bytes = 0;
  for (const name of readdirSync(dataDir)) if (name.startsWith('ifthen.db')) bytes += statSync(join(dataDir, name)).size;
  return bytes;
}

async function processingScenario() {
  const name = 'processing';
  const dir = tempDir(name);
  const rules = logRules(100);
  // The rules go in through the API (a first, short server start); the backlog straight into the file.
  const setup = await startServer({ dataDir: dir.path, env: SERVER_ENV, mode: SERVER_MODE });
  await putRules(setup.url, rules);
  await setup.stop();
  log(`processing: preloading ${fmtInt(BACKLOG)} events into the stopped server's log`);
  const preload = await preloadEvents(dir.path, BACKLOG, `pre-${RUN_TAG}`, (e) => e.properties.n < 100, IDS);
  log(`processing: preloaded in ${preload.seconds.toFixed(1)} s; ${fmtInt(preload.matching)} should fire a rule; starting the server`);

  const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: SERVER_ENV, mode: SERVER_MODE });
  const sampler = new ProcSampler(server.pid, 500);
  const probe = new DbProbe(dir.path);
  const phases: Phase[] = [];
  try {
    // The processor starts with the server; the first probe is at "ready" (startServer polls /readyz).
    const drainCap = Math.max(30, 4 * SECONDS + 15);
    const { samples, caughtUp } = await untilCaughtUp(probe, drainCap, 200);
    const first = samples[0];
    const last = samples[samples.length - 1];
    check(name, caughtUp, `not caught up after ${drainCap} s: position ${last.position} of ${last.head}`);
    check(name, last.head === BACKLOG, `log head ${last.head} != backlog ${BACKLOG}`);
    phases.push({ label: 'processing the backlog (ready → lag 0)', from: first.at, to: last.at });
    const overall = (last.position - first.position) / ((last.at - first.at) / 1000);
    // Steady state: the slope between 10% and 90% of the backlog (excludes start-up and the tail).
    const mid = samples.filter((s) => s.position >= 0.1 * BACKLOG && s.position <= 0.9 * BACKLOG).map((s) => [s.at / 1000, s.position] as const);
    const steady = slope(mid);
    const cpu = cpuBetween(server.pid, sampler.nearest(first.at), sampler.nearest(last.at));
    const atCatchUp = probe.full();
    const errors = await metricSum(server.url, 'ifthen_events_failed_total');
    const status = await readyz(server.url);
    check(name, status.lagEvents === 0 && Number(status.cursor) === BACKLOG, `/readyz says cursor ${status.cursor}, lag ${status.lagEvents}`);
    check(name, atCatchUp.firings === preload.matching, `firings ${atCatchUp.firings} != expected ${preload.matching}`);
    check(name, errors === 0, `${errors} events failed processing`);
    // Deliveries (log actions) run in the dispatcher on the same thread; how far behind is the outbox?
    const outboxAtCatchUp = atCatchUp.pending + atCatchUp.delivering;
    let outbox = atCatchUp;
    while (outbox.pending + outbox.delivering > 0 && wallNow() - atCatchUp.at < 30_000) { await sleep(250); outbox = probe.full(); }
    const outboxSeconds = (outbox.at - atCatchUp.at) / 1000;
    check(name, outbox.delivered === preload.matching && outbox.dead === 0, `deliveries: ${outbox.delivered} delivered, ${outbox.dead} dead, ${outbox.pending + outbox.delivering} open; expected ${preload.matching} delivered`);
    const deliveryRate = outbox.delivered / ((outbox.at - first.at) / 1000);
    row(name, `events/s processed, ${fmtInt(BACKLOG)} backlog, 100 rules (steady 10–90%)`, fmtInt(steady), `≥ ${fmtInt(TARGETS.processing)}`, steady >= TARGETS.processing);
    row(name, 'events/s processed, whole backlog (ready → lag 0)', fmtInt(overall));
    row(name, 'firings (expected) / processing errors', `${fmtInt(atCatchUp.firings)} (${fmtInt(preload.matching)}) / ${fmtInt(errors)}`);
    row(name, 'log deliveries open at catch-up → all delivered', `${fmtInt(outboxAtCatchUp)} → ${outbox.pending + outbox.delivering ? `${fmtInt(outbox.pending + outbox.delivering)} still open after` : '0 in'} ${outboxSeconds.toFixed(1)} s (${fmtInt(deliveryRate)} deliveries/s overall)`);
    row(name, 'server CPU while processing, cores', cores(cpu));
    contended(name, cpu);
    json.processing = { backlog: BACKLOG, steady, overall, firings: atCatchUp.firings, expected: preload.matching, cpu, outboxAtCatchUp, outboxSeconds, deliveryRate, samples };

    // Ingest and processing at once: full-speed ingest into the same server with the 100 rules.
    log(`processing: ingest + process concurrently, ${WARMUP}s warm-up + ${SECONDS}s`);
    const before = probe.position();
    const polls: Array<{ at: number; position: number; head: number }> = [];
    const poller = setInterval(() => polls.push(probe.position()), 250);
    const load = await runLoad({
      mode: 'closed', url: server.url, token: ADMIN_TOKEN, connections: 10, batch: 100,
      seconds: WARMUP + SECONDS, warmupSeconds: WARMUP, prefix: `mix-${RUN_TAG}`, ids: IDS,
    });
    clearInterval(poller);
    phases.push({ label: 'ingest + processing at once (measured window)', from: load.windowStart, to: load.windowEnd });
    checkLoad(`${name}+ingest`, load);
    const inWindow = polls.filter((p) => p.at >= load.windowStart && p.at <= load.windowEnd);
    const procRate = slope(inWindow.map((p) => [p.at / 1000, p.position] as const));
    const ingestRate = load.measuredEvents / load.measuredSeconds;
    const atStop = probe.position();
    const mixCpu = cpuBetween(server.pid, sampler.nearest(load.windowStart), sampler.nearest(load.windowEnd));
    const drain = await untilCaughtUp(probe, 30, 200);
    const drained = drain.samples[drain.samples.length - 1];
    check(`${name}+ingest`, drained.head - before.head === load.accepted, `log grew by ${drained.head - before.head}, accepted ${load.accepted}`);
    const drainSeconds = (drained.at - atStop.at) / 1000;
    const lat = summarize(load.latencies);
    row(`${name}+ingest`, 'ingest events/s while processing (10 conns x 100)', fmtInt(ingestRate));
    row(`${name}+ingest`, 'processing events/s during that ingest', fmtInt(procRate));
    row(`${name}+ingest`, 'lag at stop → caught up', `${fmtInt(atStop.head - atStop.position)} events → ${drain.caughtUp ? `0 in ${drainSeconds.toFixed(1)} s` : `${fmtInt(drained.head - drained.position)} after 30 s`}`);
    row(`${name}+ingest`, 'request latency p50 / p99 (ms)', `${fmtMs(lat.p50)} / ${fmtMs(lat.p99)}`);
    row(`${name}+ingest`, 'server CPU, cores', cores(mixCpu));
    contended(`${name}+ingest`, mixCpu, load.generatorCores);
    sampler.stop();
    row(name, 'server RSS max (MB, sampled / VmHWM)', `${fmtMb(sampler.maxRss)} / ${fmtMb(peakRss(server.pid))} (${sampler.maxRssParts})`, `≤ ${TARGETS.rssMb}`, peakRss(server.pid) / 1048576 <= TARGETS.rssMb);
    json.processingWithIngest = { ingestRate, procRate, lagAtStop: atStop.head - atStop.position, drainSeconds, caughtUp: drain.caughtUp, latency: lat, cpu: mixCpu };
  } finally {
    sampler.stop();
    probe.close();
    await stopServer(server, name, phases);
    dir.remove();
  }
}

async function latencyScenario(name: string, hookFraction: number, otherRules: readonly { id: string }[] = logRules(99)) {
  const dir = tempDir(name);
  const receiver = await startHookReceiver();
  const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: SERVER_ENV, mode: SERVER_MODE });
  const sampler = new ProcSampler(server.pid, 500);
  const phases: Phase[] = [];
  try {
    await putRules(server.url, [...otherRules, hookRule(`${receiver.url}/hook`)]);
    // The receiver stands for a service that is already running: its code is warm before the first webhook.
    await bareBaseline(receiver, 5000, 32);
    const batch = 20;
    const intervalMs = (1000 * batch) / RATE;
    const receiverCpu = processCpu(receiver.pid);
    log(`${name}: ${fmtInt(RATE)} events/s (${batch} every ${intervalMs} ms), ${hookFraction * 100}% fire the webhook, ${WARMUP}s warm-up + ${SECONDS}s`);
    const probe = new DbProbe(dir.path);
    let maxLagEvents = 0;
    const poller = setInterval(() => { const p = probe.position(); maxLagEvents = Math.max(maxLagEvents, p.head - p.position); }, 100);
    const load = await runLoad({
      mode: 'paced', url: server.url, token: ADMIN_TOKEN, connections: 10, batch, intervalMs, maxInFlight: 100,
      seconds: WARMUP + SECONDS, warmupSeconds: WARMUP, prefix: `${name}-${RUN_TAG}`, hookFraction, seed: 4242, ids: IDS,
    });
    clearInterval(poller);
    probe.close();
    phases.push({ label: 'paced load (measured window)', from: load.windowStart, to: load.windowEnd });
    checkLoad(name, load);
    check(name, load.skippedTicks === 0, `${load.skippedTicks} send ticks skipped (100 requests outstanding): the offered rate was not met`);
    const expected = load.hookEvents.length;
    const waitStart = wallNow();
    while ((await receiver.count()) < expected && wallNow() - waitStart < 30_000) await sleep(50);
    await sleep(300); // let redeliveries, if any, show up
    const report = await receiver.report();
    const arrivals = new Map<string, number[]>();
    for (const [id, at] of report.arrivals) { const list = arrivals.get(id); if (list) list.push(at); else arrivals.set(id, [at]); }
    check(name, arrivals.size === expected, `receiver got ${arrivals.size} of ${expected} webhooks`);
    let duplicates = 0;
    for (const [, n] of report.repeatedKeys) duplicates += n - 1;
    check(name, report.badBodies === 0, `${report.badBodies} webhook bodies without an event id`);
    const fromAck: number[] = [];
    const fromSend: number[] = [];
    const series: Array<[number, number]> = [];
    for (const [id, sentAt, ackAt] of load.hookEvents) {
      if (sentAt < load.windowStart) continue;
      const at = arrivals.get(id)?.[0];
      if (at === undefined) continue;
      fromAck.push(at - ackAt);
      fromSend.push(at - sentAt);
      series.push([Math.round(ackAt - load.windowStart), Math.round((at - ackAt) * 10) / 10]);
    }
    let deliveredInWindow = 0;
    for (const times of arrivals.values()) if (times[0] >= load.windowStart && times[0] <= load.windowEnd) deliveredInWindow++;
    const deliveredRate = deliveredInWindow / load.measuredSeconds;
    const offeredHooks = load.hookEvents.filter(([, sentAt]) => sentAt >= load.windowStart).length / load.measuredSeconds;
    const a = summarize(fromAck);
    const s = summarize(fromSend);
    const req = summarize(load.latencies);
    const offered = load.events / (load.windowEnd - (load.windowStart - WARMUP * 1000)) * 1000;
    const cpu = cpuBetween(server.pid, sampler.nearest(load.windowStart), sampler.nearest(load.windowEnd));
    row(name, `accepted→webhook p50 / p95 / p99 / max (ms), ${fmtInt(a.count)} webhooks`, `${fmtMs(a.p50)} / ${fmtMs(a.p95)} / ${fmtMs(a.p99)} / ${fmtMs(a.max)}`, `p99 ≤ ${TARGETS.latencyP99}`, a.p99 <= TARGETS.latencyP99);
    row(name, 'sent→webhook p50 / p99 (ms) (includes the ingest request)', `${fmtMs(s.p50)} / ${fmtMs(s.p99)}`);
    row(name, 'offered events/s; ingest request p50 / p99 (ms)', `${fmtInt(offered)}; ${fmtMs(req.p50)} / ${fmtMs(req.p99)}`);
    row(name, 'webhooks/s fired → delivered during the measured window', `${fmtInt(offeredHooks)} → ${fmtInt(deliveredRate)}`);
    row(name, 'webhooks expected / received / redelivered', `${fmtInt(expected)} / ${fmtInt(arrivals.size)} / ${fmtInt(duplicates)}`);
    row(name, 'max processing lag seen (events, sampled every 100 ms)', fmtInt(maxLagEvents));
    const receiverCores = (processCpu(receiver.pid) - receiverCpu) / ((wallNow() - (load.windowStart - WARMUP * 1000)) / 1000);
    row(name, 'server CPU, cores', `${cores(cpu)}; receiver process ${receiverCores.toFixed(2)}`);
    contended(name, cpu, load.generatorCores + receiverCores);
    sampler.stop();
    row(name, 'server RSS max (MB, sampled / VmHWM)', `${fmtMb(sampler.maxRss)} / ${fmtMb(peakRss(server.pid))} (${sampler.maxRssParts})`, `≤ ${TARGETS.rssMb}`, peakRss(server.pid) / 1048576 <= TARGETS.rssMb);
    json[name] = { rate: RATE, hookFraction, offeredHooks, deliveredRate, fromAck: a, fromSend: s, request: req, duplicates, maxLagEvents, cpu, series };
  } finally {
    sampler.stop();
    await stopServer(server, name, phases);
    await receiver.close();
    dir.remove();
  }
}

/** CPU seconds (user + system) a whole process has used so far. */
function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds per thread between two samples: the HTTP thread, the two busiest others (pipeline, then dispatcher, by creation order), the rest. */
function threadSplit(pid: number, a: ProcSample | undefined, b: ProcSample | undefined): { http: number; pipeline: number; dispatcher: number; other: number; total: number } {
  if (!a || !b) return { http: NaN, pipeline: NaN, dispatcher: NaN, other: NaN, total: NaN };
  const delta = (tid: string) => (b.threads.get(tid) ?? 0) - (a.threads.get(tid) ?? 0);
  const others = [...b.threads.keys()].filter((tid) => tid !== String(pid)).sort((x, y) => delta(y) - delta(x));
  // Threads are all named "node"; the pipeline worker is created before the dispatcher worker (lower tid).
  const [p, d] = others.slice(0, 2).sort((x, y) => Number(x) - Number(y));
  const total = b.totalCpu - a.totalCpu;
  const http = delta(String(pid));
  const pipeline = p ? delta(p) : 0;
  const dispatcher = d ? delta(d) : 0;
  return { http, pipeline, dispatcher, other: total - http - pipeline - dispatcher, total };
}

/** The bare node:http sender → receiver baseline, both in processes of their own. */
async function bareBaseline(receiver: HookReceiver, requests: number, connections: number): Promise<{ perSecond: number; failures: number; cpuSeconds: number }> {
  const entry = fileURLToPath(new URL('./bare-sender.ts', import.meta.url));
  await receiver.reset();
  const run = spawnSync(process.execPath, ['--import', 'tsx', entry, `${receiver.url}/hook`, String(requests), String(connections)], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bare sender failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { perSecond: number; failures: number; cpuSeconds: number };
  const count = await receiver.count();
  if (count !== requests) throw new Error(`bare sender: receiver got ${count} of ${requests}`);
  await receiver.reset();
  return result;
}

async function e2eScenario() {
  const name = 'e2e';
  const dir = tempDir(name);
  const receiver = await startHookReceiver();
  const server = await startServer({ dataDir: dir.path, nodeArgs: profileArgs(name), env: SERVER_ENV, mode: SERVER_MODE });
  const sampler = new ProcSampler(server.pid, 250);
  const phases: Phase[] = [];
  try {
    await putRules(server.url, [hookRule(`${receiver.url}/hook`)]);
    const batch = 100;
    const requests = Math.ceil(E2E_EVENTS / batch);
    log(`${name}: bare node:http sender → receiver, ${fmtInt(E2E_EVENTS / 2)} requests over 32 connections`);
    const bare = await bareBaseline(receiver, Math.round(E2E_EVENTS / 2), 32);
    log(`${name}: ${fmtInt(requests * batch)} events, ${batch} per request over 10 connections, half fire a webhook to the receiver process`);
    const receiverCpu = processCpu(receiver.pid);
    const load = await runLoad({
      mode: 'closed', url: server.url, token: ADMIN_TOKEN, connections: 10, batch, requests,
      seconds: 600, warmupSeconds: 0, prefix: `${name}-${RUN_TAG}`, hookFraction: 0.5, seed: 777, ids: IDS,
    });
    checkLoad(name, load);
    const expected = load.hookEvents.length;
    const waitStart = wallNow();
    while ((await receiver.count()) < expected && wallNow() - waitStart < 120_000) await sleep(20);
    const doneAt = wallNow();
    await sleep(300); // let redeliveries, if any, show up
    sampler.stop();
    const report = await receiver.report();
    const ids = new Set(report.arrivals.map(([id]) => id));
    let duplicates = 0;
    for (const [, n] of report.repeatedKeys) duplicates += n - 1;
    check(name, ids.size === expected, `receiver got ${ids.size} distinct of ${expected} webhooks`);
    check(name, report.requests === expected, `receiver got ${report.requests} requests for ${expected} webhooks (${duplicates} redelivered)`);
    check(name, report.badBodies === 0, `${report.badBodies} webhook bodies without an event id`);
    const from = load.firstSentAt;
    const seconds = (report.lastAt - from) / 1000;
    const events = load.accepted;
    const rate = events / seconds;
    const hooksRate = expected / seconds;
    phases.push({ label: 'first request → last webhook', from, to: report.lastAt });
    const a = sampler.nearest(from);
    const b = sampler.nearest(Math.min(doneAt, report.lastAt));
    const split = threadSplit(server.pid, a, b);
    const perHook = (cpu: number) => fmtMs((1000 * cpu) / expected);
    const cpu = cpuBetween(server.pid, a, b);
    const receiverCores = (processCpu(receiver.pid) - receiverCpu) / seconds;
    row(name, `events/s end to end (${fmtInt(events)} events, first request → last webhook)`, fmtInt(rate), `≥ ${fmtInt(TARGETS.e2e)}`, rate >= TARGETS.e2e);
    row(name, 'webhooks/s end to end', fmtInt(hooksRate), `≥ ${fmtInt(TARGETS.e2e / 2)}`, hooksRate >= TARGETS.e2e / 2);
    row(name, 'bare node:http sender → receiver, requests/s (32 keep-alive connections; same receiver)', fmtInt(bare.perSecond));
    row(name, 'webhooks expected / received / redelivered', `${fmtInt(expected)} / ${fmtInt(report.requests)} / ${fmtInt(duplicates)}`);
    row(name, 'first request → last ingest answer / → last webhook (s)', `${((load.lastAckAt - from) / 1000).toFixed(2)} / ${seconds.toFixed(2)}`);
    row(name, 'server CPU per webhook (ms): HTTP / pipeline / dispatcher / other threads = total', `${perHook(split.http)} / ${perHook(split.pipeline)} / ${perHook(split.dispatcher)} / ${perHook(split.other)} = ${perHook(split.total)}`);
    row(name, 'server CPU, cores', `${cores(cpu)}; dispatcher ${(split.dispatcher / seconds).toFixed(2)}; receiver process ${receiverCores.toFixed(2)}`);
    contended(name, cpu, load.generatorCores + receiverCores);
    row(name, 'server RSS max (MB, sampled / VmHWM)', `${fmtMb(sampler.maxRss)} / ${fmtMb(peakRss(server.pid))} (${sampler.maxRssParts})`, `≤ ${TARGETS.rssMb}`, peakRss(server.pid) / 1048576 <= TARGETS.rssMb);
    json.e2e = { events, webhooks: expected, seconds, rate, hooksRate, bare, duplicates, cpuPerWebhookMs: { http: (1000 * split.http) / expected, pipeline: (1000 * split.pipeline) / expected, dispatcher: (1000 * split.dispatcher) / expected, other: (1000 * split.other) / expected, total: (1000 * split.total) / expected }, cpu, rssMax: sampler.maxRss };
  } finally {
    sampler.stop();
    await stopServer(server, name, phases);
    await receiver.close();
    dir.remove();
  }
}

// ---------------------------------------------------------------------------------------------- main

function table(): string {
  const head = ['scenario', 'metric', 'value', 'target', 'met'];
  const body = rows.map((r) => [r.scenario, r.metric, r.value, r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : '**no**']);
  return [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** One scenario, run again (up to RETRIES times) when other processes used the CPUs meanwhile. */
async function runScenario(name: string, scenario: () => Promise<void>): Promise<void> {
  for (attempt = 0; ; attempt++) {
    if (QUIET_WAIT > 0) {
      const quiet = await waitForQuiet(QUIET_WAIT);
      if (quiet.waited > 3) log(`waited ${quiet.waited.toFixed(0)} s for other processes to leave the CPUs${quiet.quiet ? '' : ` (gave up; machine ${(100 * quiet.busy).toFixed(0)}% busy)`}`);
    }
    const mark = { rows: rows.length, problems: problems.length, notes: notes.length, peaks: rssPeaks.length };
    wasContended = false;
    try {
      await scenario();
    } catch (error) {
      problems.push(`${name}: ${(error as Error).stack ?? error}`);
      log(`scenario ${name} failed: ${(error as Error).stack ?? error}`);
    }
    if (!wasContended || attempt >= RETRIES) break;
    log(`${name}: other processes used the CPUs during the measurement; running it again`);
    rows.length = mark.rows; problems.length = mark.problems; notes.length = mark.notes; rssPeaks.length = mark.peaks;
  }
}

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; scenarios: ${only.join(', ')}`);
  const run: Record<Scenario, () => Promise<void>> = {
    ingest: ingestScenario, processing: processingScenario,
    latency: () => latencyScenario('latency', HOOK_FRACTION),
    'latency-all': () => latencyScenario('latency-all', 1),
    e2e: e2eScenario,
    growth: growthScenario,
    subjects: subjectsScenario,
    soak: soakScenario,
    backtest: backtestScenario,
    stateful: statefulScenario,
    report: async () => { const dir = tempDir('report'); try { json.report = await reportScenario({ dataDir: dir.path, mode: SERVER_MODE, exposures: Number(opt('report-exposures') ?? 1_000_000), row: (m, v, t, ok) => row('report', m, v, t, ok), log }); } finally { dir.remove(); } },
  };
  if (SERVER_MODE === 'dist' && !process.env.BENCH_SERVER_ENTRY) {
    log('building the server as `npm run build` does (tsc -p tsconfig.build.json) into bench/results/dist');
    buildServer();
  }
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: REPO_ROOT }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'package.json'], { encoding: 'utf8', cwd: REPO_ROOT }).stdout.trim() ? ' + uncommitted changes in src/' : '';
  log(`server: ${process.env.BENCH_SERVER_ENTRY ?? (SERVER_MODE === 'dist' ? 'compiled build' : 'tsx')}, commit ${commit}${dirty}`);
  json.server = { mode: process.env.BENCH_SERVER_ENTRY ?? SERVER_MODE, commit: `${commit}${dirty}` };
  const baseArgs = process.env.BENCH_SERVER_NODE_ARGS ?? '';
  const variants: Array<{ label: string; entry?: string; nodeArgs?: string }> = [{ label: COMPARE || AB_NODE_ARGS ? `this ${commit}${dirty ? '+' : ''}` : '', entry: process.env.BENCH_SERVER_ENTRY }];
  if (AB_NODE_ARGS) variants.push({ label: `this + ${AB_NODE_ARGS}`, entry: process.env.BENCH_SERVER_ENTRY, nodeArgs: AB_NODE_ARGS });
  if (COMPARE) {
    log(`building ${COMPARE} for the comparison`);
    const other = buildRevision(COMPARE);
    variants.push({ label: `${COMPARE} ${other.commit}`, entry: other.entry });
  }
  const figures = new Map<string, Map<string, Array<Record<string, number>>>>();
  const started = wallNow();
  for (let round = 0; round < REPEAT; round++) {
    // Alternate which build goes first, so that a drift of the machine does not favour one.
    const order = round % 2 ? [...variants].reverse() : variants;
    for (const v of order) {
      variant = v.label;
      if (v.entry) process.env.BENCH_SERVER_ENTRY = v.entry; else delete process.env.BENCH_SERVER_ENTRY;
      process.env.BENCH_SERVER_NODE_ARGS = `${baseArgs} ${v.nodeArgs ?? ''}`.trim();
      for (const name of SCENARIOS) {
        if (!only.includes(name)) continue;
        await runScenario(name, run[name]);
        const record = name === 'latency' || name === 'latency-all' ? json[name] : name === 'processing' ? json.processing : json[name];
        const perScenario = figures.get(name) ?? new Map<string, Array<Record<string, number>>>();
        figures.set(name, perScenario);
        perScenario.set(v.label, [...(perScenario.get(v.label) ?? []), keyFigures(name, record, (rssPeaks[rssPeaks.length - 1] ?? NaN) / 1048576)]);
        ((json.runs ??= []) as unknown[]).push({ variant: v.label, scenario: name, record });
        delete json[name];
      }
    }
  }
  variant = '';
  const peak = Math.max(0, ...rssPeaks.filter(Number.isFinite));
  row('all', 'server RSS peak over all runs (MB, VmHWM)', fmtMb(peak), `≤ ${TARGETS.rssMb}`, peak / 1048576 <= TARGETS.rssMb);
  const out = [
    '',
    table(),
    ...(variants.length > 1 || REPEAT > 1 ? ['', `Key figures per build, median (range) of ${REPEAT} run(s) each:`, '', compareTable(figures, variants.map((v) => v.label))] : []),
    '',
    `checks: ${problems.length ? `${problems.length} FAILED` : 'all passed (no failed requests, no rejections or duplicates, counts add up)'}`,
    ...problems.map((p) => `  - ${p}`),
    ...notes.map((n) => `note: ${n}`),
    `server: ${json.server && (json.server as { mode: string; commit: string }).mode}, commit ${(json.server as { commit: string }).commit}; total ${((wallNow() - started) / 1000).toFixed(0)} s`,
    '',
  ].join('\n');
  process.stdout.write(out);
  writeFileSync(join(RESULTS, `run-${RUN_TAG}.json`), JSON.stringify({ args: argv, rows, problems, ...json }, null, 1));
  writeFileSync(join(RESULTS, 'latest.md'), out);
  process.exitCode = problems.length ? 1 : 0;
}

await main();

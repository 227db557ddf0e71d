// The server under test as a child process (`node --import tsx src/cli/main.ts serve`, as `npm start`
// runs it), on a loopback port and a data dir of the caller's, plus a sampler of its memory and CPU.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, wallNow } from './stats.ts';

export const ADMIN_TOKEN = 'bench-admin-token';
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * How the server is started. 'dist' (default) is what `npm start` runs: the tsc build of src/
 * (tsconfig.build.json), compiled here into bench/results/dist so the repo's own dist/ is left alone.
 * 'tsx' is how the tests start it: `node --import tsx src/cli/main.ts serve`.
 */
export type ServerMode = 'dist' | 'tsx';
export const BUILD_DIR = fileURLToPath(new URL('./results/dist/', import.meta.url));

/** Compiles src/ as `npm run build` does, into BUILD_DIR. */
export function buildServer(): void {
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--tsBuildInfoFile', join(BUILD_DIR, '.tsbuildinfo')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${result.stdout}${result.stderr}`);
}

export interface ServerOptions {
  readonly dataDir: string;
  /** Extra node flags (e.g. --cpu-prof --cpu-prof-dir=...); BENCH_SERVER_NODE_ARGS is appended. */
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
  readonly mode?: ServerMode;
}

export interface BenchServer {
  readonly url: string;
  readonly pid: number;
  readonly process: ChildProcess;
  output(): string;
  /** SIGTERM and wait for a graceful exit (which is also when --cpu-prof profiles are written). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function startServer(options: ServerOptions): Promise<BenchServer> {
  const port = await freePort();
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  // BENCH_SERVER_ENTRY runs another entry without tsx (e.g. a tsc build: dist/src/cli/main.js), for A/B comparisons.
  const entry = process.env.BENCH_SERVER_ENTRY ? [process.env.BENCH_SERVER_ENTRY]
    : options.mode === 'tsx' ? ['--import', 'tsx', 'src/cli/main.ts'] : [join(BUILD_DIR, 'cli', 'main.js')];
  // The flags and allocator setting of `npm start`.
  const args = ['--max-semi-space-size=4', '--heap-growing-percent=100', ...(options.nodeArgs ?? []), ...extra, ...entry, 'serve'];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      IFTHEN_DATA: options.dataDir, IFTHEN_ADMIN_TOKEN: ADMIN_TOKEN, IFTHEN_ALLOW_PRIVATE_TARGETS: 'true',
      HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', MALLOC_ARENA_MAX: '2', ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => { output = (output + d.toString()).slice(-20_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`server did not become ready:\n${output}`); }
    await sleep(50);
  }
  return {
    url, pid: child.pid!, process: child, output: () => output,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** JSON request to the server with the admin token. */
export async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
  return { status: response.status, body: parsed };
}

export interface ProcSample {
  /** Wall ms (wallNow), comparable with the load generator's times. */
  readonly at: number;
  readonly rssBytes: number;
  /** Parts of the resident set (bytes): anonymous memory (heaps, SQLite caches), file-backed (code), shared memory (SQLite's -shm). */
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly rssShmem: number;
  /** Cumulative CPU seconds (user + system) of each thread by id, and of all threads. */
  readonly threads: ReadonlyMap<string, number>;
  readonly totalCpu: number;
  /** Cumulative seconds each thread spent runnable but waiting for a CPU (/proc/.../schedstat). */
  readonly waits: ReadonlyMap<string, number>;
  /** Machine-wide cumulative busy and total CPU seconds (/proc/stat), and this harness process's CPU seconds. */
  readonly machineBusy: number;
  readonly machineTotal: number;
  readonly harnessCpu: number;
}

function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: (total - fields[3] - fields[4]) / TICK, total: total / TICK }; // minus idle and iowait
}

function threadWait(pid: number, tid: string): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

const TICK = 100; // getconf CLK_TCK on Linux

function threadCpu(pid: number, tid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime
  } catch {
    return 0;
  }
}

export function readProc(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
    const rss = kb('VmRSS');
    const threads = new Map<string, number>();
    const waits = new Map<string, number>();
    let totalCpu = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const cpu = threadCpu(pid, tid);
      totalCpu += cpu;
      threads.set(tid, cpu);
      waits.set(tid, threadWait(pid, tid));
    }
    const machine = machineCpu();
    const own = process.cpuUsage();
    return {
      at: wallNow(), rssBytes: rss, rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), rssShmem: kb('RssShmem'), threads, totalCpu, waits,
      machineBusy: machine.busy, machineTotal: machine.total, harnessCpu: (own.user + own.system) / 1e6,
    };
  } catch {
    return undefined;
  }
}

/** Peak resident set (VmHWM) of the process so far. */
export function peakRss(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}

/** Samples RSS and per-thread CPU every `everyMs`; `window` gives CPU use (cores) between two marks. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly pid: number, everyMs = 500) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): ProcSample | undefined {
    const s = readProc(this.pid);
    if (s) this.samples.push(s);
    return s;
  }

  /** The sample taken closest to a wall time. */
  nearest(at: number): ProcSample | undefined {
    let best: ProcSample | undefined;
    for (const s of this.samples) if (!best || Math.abs(s.at - at) < Math.abs(best.at - at)) best = s;
    return best;
  }

  get maxRss(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.rssBytes), 0);
  }

  /** "anon A + file F + shmem S" MB of the sample with the largest RSS. */
  get maxRssParts(): string {
    const top = this.samples.reduce<ProcSample | undefined>((m, s) => (!m || s.rssBytes > m.rssBytes ? s : m), undefined);
    const mb = (b: number) => (b / 1048576).toFixed(0);
    return top ? `anon ${mb(top.rssAnon)} + file ${mb(top.rssFile)} + shmem ${mb(top.rssShmem)}` : 'n/a';
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}

export interface CpuUse {
  /** Cores used by the HTTP thread, the pipeline thread and the whole server process. */
  main: number; pipeline: number; total: number;
  /** Share of the time the HTTP and pipeline threads were runnable but waiting for a CPU. */
  mainWait: number; pipelineWait: number;
  /** Cores busy on the whole machine, and busy outside the server and this harness process. */
  machine: number; others: number;
}

/**
 * Average cores used between two samples by the main (HTTP) thread, by the busiest other thread
 * (the pipeline worker; threads are all named "node", so it is found by its CPU use) and by the process.
 */
export function cpuBetween(pid: number, a: ProcSample | undefined, b: ProcSample | undefined): CpuUse {
  if (!a || !b || b.at <= a.at) return { main: NaN, pipeline: NaN, total: NaN, mainWait: NaN, pipelineWait: NaN, machine: NaN, others: NaN };
  const seconds = (b.at - a.at) / 1000;
  const delta = (tid: string) => (b.threads.get(tid) ?? 0) - (a.threads.get(tid) ?? 0);
  const wait = (tid: string) => (b.waits.get(tid) ?? 0) - (a.waits.get(tid) ?? 0);
  let pipeline = 0, pipelineTid = '';
  for (const tid of b.threads.keys()) if (tid !== String(pid) && delta(tid) > pipeline) { pipeline = delta(tid); pipelineTid = tid; }
  const total = (b.totalCpu - a.totalCpu) / seconds;
  const cores = (b.machineTotal - a.machineTotal) / seconds; // elapsed CPU-seconds per second = number of CPUs
  const machine = ((b.machineBusy - a.machineBusy) / (b.machineTotal - a.machineTotal)) * cores;
  const harness = (b.harnessCpu - a.harnessCpu) / seconds;
  return {
    main: delta(String(pid)) / seconds, pipeline: pipeline / seconds, total,
    mainWait: wait(String(pid)) / seconds, pipelineWait: pipelineTid ? wait(pipelineTid) / seconds : NaN,
    machine, others: machine - total - harness,
  };
}

/** Waits until the machine has been nearly idle (other sessions' test runs share these CPUs) for `quietSeconds`, at most `maxSeconds`. */
export async function waitForQuiet(maxSeconds: number, threshold = 0.15, quietSeconds = 2): Promise<{ waited: number; quiet: boolean; busy: number }> {
  const started = Date.now();
  let quietFor = 0;
  let busy = NaN;
  let prev = machineCpu();
  for (;;) {
    await sleep(1000);
    const now = machineCpu();
    busy = (now.busy - prev.busy) / Math.max(1e-9, now.total - prev.total);
    prev = now;
    quietFor = busy < threshold ? quietFor + 1 : 0;
    const waited = (Date.now() - started) / 1000;
    if (quietFor >= quietSeconds) return { waited, quiet: true, busy };
    if (waited >= maxSeconds) return { waited, quiet: false, busy };
  }
}

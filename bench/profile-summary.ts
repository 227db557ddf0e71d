// Summarises V8 .cpuprofile files (node --cpu-prof): self and inclusive time by function + file, and
// self time by area (a package under node_modules, a src/ folder, or a V8 pseudo-node).
//   node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top=25] [--skip=<seconds>]
// Node names each file CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main (HTTP)
// thread; the others are the pipeline worker and the module-loader hooks threads that `--import tsx`
// starts (one per thread that registers tsx), told apart by what they ran.
// tsx compiles each .ts file to one long line; positions are mapped back to source lines by compiling
// the file again with tsx's esbuild options and reading the source map.
// Samples are wall-clock: time blocked inside a native call (an fsync in a SQLite commit) counts as
// self time of the JavaScript function that made the call (e.g. better-sqlite3's sqliteTransaction).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { SourceMap, createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A window of CLOCK_MONOTONIC microseconds (the clock of the profile's timestamps and of process.hrtime). */
export interface Window { readonly fromUs: number; readonly toUs: number }

/** Microseconds to add to a wall time (µs) to get the monotonic clock of the profiles. */
export function monotonicOffsetUs(): number {
  return Number(process.hrtime.bigint() / 1000n) - (performance.timeOrigin + performance.now()) * 1000;
}

type Transform = (code: string, options: Record<string, unknown>) => { code: string; map: string };
let transform: Transform | null | undefined;
const maps = new Map<string, SourceMap | null>();

const jsMaps = new Map<string, { map: SourceMap; dir: string } | null>();

/** A compiled .js file with a .js.map beside it (the tsc build): the original file URL and line (1-based). */
function mappedJs(url: string, line: number, column: number): { url: string; line: number } | undefined {
  if (!url.startsWith('file://') || url.includes('/node_modules/') || !url.endsWith('.js')) return undefined;
  let entry = jsMaps.get(url);
  if (entry === undefined) {
    try {
      const file = fileURLToPath(url);
      entry = { map: new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))), dir: dirname(file) };
    } catch {
      entry = null;
    }
    jsMaps.set(url, entry);
  }
  const found = entry?.map.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
  if (!entry || !found?.originalSource || typeof found.originalLine !== 'number') return undefined;
  const source = found.originalSource.startsWith('file://') ? found.originalSource : pathToFileURL(resolve(entry.dir, found.originalSource)).href;
  return { url: source, line: found.originalLine + 1 };
}

/** Source line (1-based) of a position in tsx's compiled output of a local .ts file, or undefined. */
function sourceLine(url: string, line: number, column: number): number | undefined {
  if (!url.startsWith('file://') || url.includes('/node_modules/') || !/\.(ts|mts|cts)$/.test(url)) return undefined;
  if (transform === undefined) {
    try {
      transform = (createRequire(import.meta.url)('esbuild') as { transformSync: Transform }).transformSync;
    } catch {
      transform = null;
    }
  }
  if (!transform) return undefined;
  let map = maps.get(url);
  if (map === undefined) {
    try {
      const file = fileURLToPath(url);
      const out = transform(readFileSync(file, 'utf8'), {
        loader: 'ts', format: 'esm', target: `node${process.versions.node}`, sourcemap: 'external', minifyWhitespace: true, keepNames: true, sourcefile: file,
      });
      map = new SourceMap(JSON.parse(out.map));
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  const entry = map?.findEntry(line, column) as { originalLine?: number } | undefined;
  return entry && typeof entry.originalLine === 'number' ? entry.originalLine + 1 : undefined;
}

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface Row { key: string; area: string; selfMs: number; totalMs: number }
export interface ProfileSummary { file: string; thread: string; wallMs: number; busyMs: number; rows: Row[]; areas: Array<{ area: string; selfMs: number }> }

const PSEUDO = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function shortUrl(url: string): string {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '').replace(/\?.*$/, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  const src = u.search(/\/(src|bench|test)\//);
  if (src >= 0) return u.slice(src + 1);
  return u.replace(/^node:/, 'node:');
}

function areaOf(frame: CallFrame): string {
  if (PSEUDO.has(frame.functionName)) return frame.functionName;
  const url = shortUrl(mappedJs(frame.url, frame.lineNumber, frame.columnNumber)?.url ?? frame.url);
  if (!url) return '(native/V8 builtins)';
  if (url.startsWith('node:')) return 'node: internals';
  const parts = url.split('/');
  if (parts[0].startsWith('@')) return `${parts[0]}/${parts[1]}`;
  if (parts[0] === 'src') return parts.slice(0, Math.min(parts.length - 1, 3)).join('/');
  return parts[0];
}

function keyOf(frame: CallFrame): string {
  if (PSEUDO.has(frame.functionName)) return frame.functionName;
  const js = mappedJs(frame.url, frame.lineNumber, frame.columnNumber);
  const url = shortUrl(js?.url ?? frame.url);
  const line = js?.line ?? sourceLine(frame.url, frame.lineNumber, frame.columnNumber) ?? frame.lineNumber + 1;
  return `${frame.functionName || '(anonymous)'}  ${url ? `${url}:${line}` : '(native)'}`;
}

function threadLabel(file: string, profile: CpuProfile): string {
  const thread = /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(basename(file))?.[1];
  if (thread === '0') return 'main thread (HTTP)';
  const urls = new Set(profile.nodes.map((n) => n.callFrame.url));
  const has = (part: string) => [...urls].some((u) => u.includes(part));
  if (has('/processor/processor.') || has('/app/pipeline-worker')) return `worker ${thread}: pipeline thread`;
  if (has('/tsx/')) return `worker ${thread}: module-loader hooks thread (tsx)`;
  return `worker ${thread ?? '?'}`;
}

/** Self and inclusive time, optionally of the samples inside `window` only. */
export function summarizeProfile(file: string, window?: Window): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfByNode = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000; // the time until the next sample belongs to this one
    selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + dt);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areaByKey = new Map<string, string>();
  const areas = new Map<string, number>();
  let wallMs = 0, idleMs = 0;
  for (const [id, ms] of selfByNode) {
    const node = byId.get(id)!;
    wallMs += ms;
    const key = keyOf(node.callFrame);
    const area = areaOf(node.callFrame);
    if (node.callFrame.functionName === '(idle)') idleMs += ms;
    self.set(key, (self.get(key) ?? 0) + ms);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    areaByKey.set(key, area);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (frame.functionName === '(root)') continue;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      areaByKey.set(k, areaOf(frame));
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  }
  const rows = [...total.keys()].map((key) => ({ key, area: areaByKey.get(key)!, selfMs: self.get(key) ?? 0, totalMs: total.get(key) ?? 0 }));
  return {
    file, thread: threadLabel(file, profile),
    wallMs, busyMs: wallMs - idleMs, rows,
    areas: [...areas].map(([area, selfMs]) => ({ area, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

export function formatSummary(s: ProfileSummary, top = 25): string {
  const pct = (ms: number) => `${((100 * ms) / Math.max(1, s.busyMs)).toFixed(1).padStart(5)}%`;
  const lines = [
    `### ${s.thread} — ${basename(s.file)}`,
    `sampled ${(s.wallMs / 1000).toFixed(1)} s, busy (not idle) ${(s.busyMs / 1000).toFixed(1)} s; percentages are of busy time`,
    '',
    'self time by area:',
    ...s.areas.filter((a) => a.area !== '(idle)').slice(0, 14).map((a) => `  ${pct(a.selfMs)}  ${(a.selfMs / 1000).toFixed(2).padStart(7)} s  ${a.area}`),
    '',
    `top ${top} functions by self time (inclusive time in brackets):`,
    ...s.rows.filter((r) => r.key !== '(idle)').sort((a, b) => b.selfMs - a.selfMs).slice(0, top)
      .map((r) => `  ${pct(r.selfMs)} [${pct(r.totalMs)}]  ${r.key}`),
    '',
    `top ${top} src/ functions by inclusive time:`,
    ...s.rows.filter((r) => r.area.startsWith('src')).sort((a, b) => b.totalMs - a.totalMs).slice(0, top)
      .map((r) => `  ${pct(r.totalMs)} (self ${pct(r.selfMs).trim()})  ${r.key}`),
  ];
  return lines.join('\n');
}

export function profileFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(path, f));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  const skip = Number(args.find((a) => a.startsWith('--skip='))?.slice(7) ?? 0);
  const paths = args.filter((a) => !a.startsWith('--'));
  if (!paths.length) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top=25]\n');
    process.exit(2);
  }
  for (const path of paths) {
    for (const file of profileFiles(path)) {
      const startTime = skip ? (JSON.parse(readFileSync(file, 'utf8')) as CpuProfile).startTime : 0;
      const window = skip ? { fromUs: startTime + skip * 1e6, toUs: Infinity } : undefined;
      process.stdout.write(`${formatSummary(summarizeProfile(file, window), top)}\n\n`);
    }
  }
}

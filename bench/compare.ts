// A/B support for `npm run bench -- --compare=<git-rev> --repeat=N`: builds another revision's src/ into a
// temp dir (tsc, this repo's node_modules) and summarises the key figures of each run per variant, so that
// runs of both builds alternate on the same (noisy, shared) machine and are compared side by side.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './server-process.ts';

/** Builds `rev` (what `npm run build` compiles) into a temp dir; returns its CLI entry file. */
export function buildRevision(rev: string): { entry: string; commit: string } {
  const commit = git(['rev-parse', '--short', rev]);
  const dir = mkdtempSync(join(tmpdir(), `ifthen-bench-${commit}-`));
  const archive = spawnSync('git', ['archive', '--format=tar', rev, 'src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'], { cwd: REPO_ROOT, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${rev}: ${archive.stderr}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr}`);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')], { cwd: dir, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`tsc for ${rev} failed:\n${built.stdout}${built.stderr}`);
  return { entry: join(dir, 'dist', 'cli', 'main.js'), commit };
}

function git(args: string[]): string {
  const out = spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`git ${args.join(' ')}: ${out.stderr}`);
  return out.stdout.trim();
}

/** The figures compared per scenario, from the scenario's json record (and the run's RSS peak). */
export function keyFigures(scenario: string, record: any, rssPeakMb: number): Record<string, number> {
  const figures: Record<string, number> = {};
  if (!record) return figures;
  if (scenario === 'ingest') figures['events/s'] = record.rate;
  if (scenario === 'processing') { figures['events/s steady'] = record.steady; }
  if (scenario === 'latency' || scenario === 'latency-all') { figures['p50 ms'] = record.fromAck?.p50; figures['p99 ms'] = record.fromAck?.p99; }
  if (scenario === 'e2e') {
    figures['events/s'] = record.rate; figures['webhooks/s'] = record.hooksRate; figures['bare req/s'] = record.bare?.perSecond;
    // The same run's bare baseline moves with the machine's other load: the ratio moves less.
    figures['webhooks/s ÷ bare'] = record.hooksRate / record.bare?.perSecond;
    figures['CPU ms/webhook'] = record.cpuPerWebhookMs?.total; figures['dispatcher ms/webhook'] = record.cpuPerWebhookMs?.dispatcher;
    figures['pipeline ms/webhook'] = record.cpuPerWebhookMs?.pipeline;
  }
  figures['RSS MB'] = rssPeakMb;
  return figures;
}

/** Markdown table: per scenario and figure, each variant's median and range over its runs. */
export function compareTable(results: ReadonlyMap<string, ReadonlyMap<string, Array<Record<string, number>>>>, variants: readonly string[]): string {
  const lines = [`| scenario | figure | ${variants.join(' | ')} |`, `| --- | --- | ${variants.map(() => '---').join(' | ')} |`];
  for (const [scenario, byVariant] of results) {
    const names = new Set<string>();
    for (const runs of byVariant.values()) for (const r of runs) for (const k of Object.keys(r)) names.add(k);
    for (const name of names) {
      const cells = variants.map((v) => {
        const values = (byVariant.get(v) ?? []).map((r) => r[name]).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
        if (!values.length) return 'n/a';
        const fmt = (x: number) => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
        const median = values[Math.floor((values.length - 1) / 2)];
        return values.length > 1 ? `${fmt(median)} (${fmt(values[0])}–${fmt(values[values.length - 1])})` : fmt(median);
      });
      lines.push(`| ${scenario} | ${name} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

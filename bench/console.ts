// `npm run bench -- --only=console`: the console's first load on loopback with the production build, in Debian's
// Chromium, each load in a fresh browser context (empty cache, as a first visit), and the bundle size.
// Figures: time to DOMContentLoaded, to the load event, and to the Overview showing its numbers (signed in with the
// admin token, as the browser tests are), median and max of N loads; plus the assets' bytes raw and gzipped.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/app/server.ts';
import { CONSOLE_DIR } from '../src/api/console-static.ts';
import { ADMIN_TOKEN, tempDir, testEnv } from '../test/support/server.ts';

const LOADS = Number(process.argv.find((a) => a.startsWith('--loads='))?.slice(8) ?? 10);
const TARGET_MS = 1000;
const log = (line: string) => process.stderr.write(`[bench console] ${line}\n`);

const build = spawnSync(process.execPath, ['console/build.mjs', '--if-stale'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('the console did not build');

const assets = readdirSync(join(CONSOLE_DIR, 'assets')).map((name) => {
  const bytes = readFileSync(join(CONSOLE_DIR, 'assets', name));
  return { name, raw: statSync(join(CONSOLE_DIR, 'assets', name)).size, gzip: gzipSync(bytes, { level: 9 }).length };
});
const total = assets.reduce((sum, a) => ({ raw: sum.raw + a.raw, gzip: sum.gzip + a.gzip }), { raw: 0, gzip: 0 });

const dir = tempDir('ifthen-bench-console-');
const server = await startServer(loadConfig(testEnv(dir.path, { LOG_LEVEL: 'warn' })), pino({ level: 'silent' }));
const browser = await chromium.launch({ executablePath: process.env.IFTHEN_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
/**
 * The Events page while 1,000 events/s arrive for TAIL_SECONDS (batches of 100 every 100 ms through the API): the
 * longest gap between animation frames and the main thread's long tasks (> 50 ms) measured in the page, and
 * what the tail said it received.
 */
const TAIL_SECONDS = 10;
async function tailUnderLoad(): Promise<string> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((token) => sessionStorage.setItem('ifthen.token', token), ADMIN_TOKEN);
  const page = await context.newPage();
  await page.goto(`${server.url}/events`);
  await page.getByTestId('tail-status').filter({ hasText: 'Live' }).waitFor();
  // A string, not a function: tsx would add helpers (__name) that do not exist in the page.
  await page.evaluate(`(() => {
    const f = window.frames_ = { maxGap: 0, last: performance.now(), longTasks: 0, longTaskMs: 0 };
    const tick = (now) => { f.maxGap = Math.max(f.maxGap, now - f.last); f.last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    new PerformanceObserver((list) => { for (const e of list.getEntries()) { f.longTasks += 1; f.longTaskMs += e.duration; } }).observe({ type: 'longtask' });
  })()`);
  let sent = 0;
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  while (Date.now() - started < TAIL_SECONDS * 1000) {
    const tickAt = Date.now();
    const batch = Array.from({ length: 100 }, (_, i) => ({ id: `tail-${sent + i}`, type: 'tail_load', subject: `s${(sent + i) % 500}`, properties: { n: sent + i, plan: 'pro' } }));
    const answer = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    if (!answer.ok) throw new Error(`ingest answered ${answer.status}`);
    sent += batch.length;
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tickAt))));
  }
  const seconds = (Date.now() - started) / 1000;
  await page.waitForTimeout(1500);
  const cpu = process.cpuUsage(cpuBefore);
  const frames = (await page.evaluate('window.frames_')) as { maxGap: number; longTasks: number; longTaskMs: number };
  const sampled = await page.locator('p.small').filter({ hasText: 'Showing the newest' }).textContent().catch(() => '');
  const skipped = await page.locator('p.warning').textContent().catch(() => '');
  await context.close();
  return [
    `live tail under ${Math.round(sent / seconds)} events/s for ${seconds.toFixed(0)} s (this process, server and sender: ${((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)} cores):`,
    `  longest gap between frames ${frames.maxGap.toFixed(0)} ms; ${frames.longTasks} long tasks, ${frames.longTaskMs.toFixed(0)} ms in all`,
    `  page said: ${sampled || '(no sampling note)'}${skipped ? ` / ${skipped}` : ''}`,
  ].join('\n');
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
/** The bundle: what the first load fetched (the Overview), and the pages' chunks that load when a page is opened. */
function bundleLines(first: Set<string>): string[] {
  const sum = (list: typeof assets) => list.reduce((s, a) => ({ raw: s.raw + a.raw, gzip: s.gzip + a.gzip }), { raw: 0, gzip: 0 });
  const loaded = assets.filter((a) => first.has(a.name));
  const later = assets.filter((a) => !first.has(a.name)).sort((a, b) => b.gzip - a.gzip);
  const [firstSum, laterSum] = [sum(loaded), sum(later)];
  return [
    `bundle, first load: ${loaded.map((a) => `${a.name} ${kib(a.raw)} (gzip ${kib(a.gzip)})`).join(', ')}; ${kib(firstSum.raw)}, gzip ${kib(firstSum.gzip)}`,
    `bundle, on demand (other pages): ${later.length} files, ${kib(laterSum.raw)}, gzip ${kib(laterSum.gzip)}; largest ${later.slice(0, 3).map((a) => `${a.name} gzip ${kib(a.gzip)}`).join(', ')}`,
    `bundle, everything: ${kib(total.raw)}, gzip ${kib(total.gzip)}`,
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const load = { before: loadavg()[0] };
  const timings: Array<{ dcl: number; load: number; overview: number }> = [];
  let firstLoadAssets = new Set<string>();
  for (let i = 0; i <= LOADS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((token) => sessionStorage.setItem('ifthen.token', token), ADMIN_TOKEN);
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    await page.locator('[data-testid="stat-events"]').filter({ hasText: '/s' }).waitFor();
    const overview = Date.now() - started;
    const nav = await page.evaluate(() => {
      const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
      return { dcl: entry.domContentLoadedEventEnd, load: entry.loadEventEnd };
    });
    // What the first page needed: the other pages' chunks load on demand.
    if (i === 1) firstLoadAssets = new Set((await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)))
      .filter((url) => url.includes('/assets/')).map((url) => url.slice(url.lastIndexOf('/') + 1)));
    // The first load warms Chromium itself (process start, font cache), not the console: it is not counted.
    if (i > 0) timings.push({ dcl: nav.dcl, load: nav.load, overview });
    await context.close();
  }
  const lines = [
    '',
    `console first load on loopback, production build, ${LOADS} cold loads (fresh context each), load average ${load.before.toFixed(2)} → ${loadavg()[0].toFixed(2)}:`,
    `  DOMContentLoaded  median ${median(timings.map((t) => t.dcl)).toFixed(0)} ms, max ${Math.max(...timings.map((t) => t.dcl)).toFixed(0)} ms`,
    `  load event        median ${median(timings.map((t) => t.load)).toFixed(0)} ms, max ${Math.max(...timings.map((t) => t.load)).toFixed(0)} ms`,
    `  Overview numbers  median ${median(timings.map((t) => t.overview)).toFixed(0)} ms, max ${Math.max(...timings.map((t) => t.overview)).toFixed(0)} ms (target < ${TARGET_MS} ms: ${median(timings.map((t) => t.overview)) < TARGET_MS ? 'met' : 'NOT met'})`,
    ...bundleLines(firstLoadAssets),
    '',
  ];
  lines.splice(lines.length - 1, 0, await tailUnderLoad());
  process.stdout.write(lines.join('\n'));
  if (median(timings.map((t) => t.overview)) >= TARGET_MS) process.exitCode = 1;
} finally {
  await browser.close();
  await server.close();
  dir.remove();
  log('done');
}

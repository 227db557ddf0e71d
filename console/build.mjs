#!/usr/bin/env node
// Builds the console into dist/console (npm run build:console). With --if-stale it builds only when the build is
// missing or older than a console source file: `npm install`, `npm start` and `npm test` call it that way, so the
// README's two commands build the console on a fresh clone and a second start costs nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(consoleDir);
const built = join(root, 'dist', 'console', 'index.html');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

if (process.argv.includes('--if-stale') && existsSync(built)) {
  const sources = Math.max(newestSource(consoleDir), statSync(join(root, 'package-lock.json')).mtimeMs);
  if (statSync(built).mtimeMs >= sources) process.exit(0);
}

const started = Date.now();
const result = spawnSync('npm', ['run', '--silent', 'build:console'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('The console did not build (see above). The API still works; fix the error and run `npm run build:console`.');
  process.exit(result.status ?? 1);
}
console.error(`console built into dist/console in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// Test servers: the real ifthen server, in this process or as a child process that can be killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/app/server.ts';

export const ADMIN_TOKEN = 'test-admin-token';

export function tempDir(prefix = 'ifthen-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

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

export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    IFTHEN_DATA: dataDir, IFTHEN_ADMIN_TOKEN: ADMIN_TOKEN, IFTHEN_ALLOW_PRIVATE_TARGETS: 'true', HOST: '127.0.0.1', PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", IFTHEN_DELIVERY_POLL_MS: '50', ...extra,
  };
}

export interface InProcessServer extends RunningServer {
  readonly dataDir: string;
  request(method: string, path: string, body?: unknown, init?: { token?: string | null; contentType?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
  stop(): Promise<void>;
}

/** The whole server (HTTP thread + pipeline thread) in this process, on a random loopback port. */
export async function startTestServer(extra: Record<string, string> = {}): Promise<InProcessServer> {
  const dir = tempDir();
  const config = loadConfig(testEnv(dir.path, extra));
  const server = await startServer(config, pino({ level: 'silent' }));
  const request: InProcessServer['request'] = async (method, path, body, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const token = init.token === undefined ? ADMIN_TOKEN : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = init.contentType ?? (typeof body === 'string' ? 'application/yaml' : 'application/json');
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = undefined;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    return { status: response.status, body: parsed, text };
  };
  return { ...server, dataDir: dir.path, request, stop: async () => { await server.close(); dir.remove(); } };
}

export interface ChildServer {
  readonly url: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** The server as a separate process (what `npm start` runs), for kill -9 and SIGTERM tests. */
export async function startChildServer(dataDir: string, port: number, extra: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { ...process.env, ...testEnv(dataDir, { PORT: String(port), ...extra }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`server did not become ready:\n${output}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, process: child, exited, output: () => output };
}

/** The server as a child process, not waited for: for a run that is expected to die before it is ready. */
export function spawnChildServer(dataDir: string, port: number, extra: Record<string, string> = {}): ChildServer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { ...process.env, ...testEnv(dataDir, { PORT: String(port), ...extra }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { url: `http://127.0.0.1:${port}`, process: child, exited, output: () => output };
}

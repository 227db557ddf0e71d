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

/**
 * Settings for `extra`: a value replaces the test default, `undefined` removes the variable, so the server runs
 * with its own default (e.g. `{ IFTHEN_ALLOW_PRIVATE_TARGETS: undefined }`: private targets refused, as in production).
 */
export type EnvOverrides = Record<string, string | undefined>;

export function testEnv(dataDir: string, extra: EnvOverrides = {}): Record<string, string> {
  return defined({
    IFTHEN_DATA: dataDir, IFTHEN_ADMIN_TOKEN: ADMIN_TOKEN, IFTHEN_ALLOW_PRIVATE_TARGETS: 'true', HOST: '127.0.0.1', PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", IFTHEN_DELIVERY_POLL_MS: '50', ...extra,
  });
}

function defined(env: EnvOverrides): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** A child's environment: this process's, without any IFTHEN_* setting of its own, plus the test's. */
function childEnv(dataDir: string, port: number, extra: EnvOverrides): Record<string, string> {
  const inherited = defined(Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IFTHEN_'))));
  return { ...inherited, ...testEnv(dataDir, { PORT: String(port), ...extra }) };
}

export interface InProcessServer extends RunningServer {
  readonly dataDir: string;
  request(method: string, path: string, body?: unknown, init?: { token?: string | null; contentType?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
  stop(): Promise<void>;
}

/** The whole server (HTTP thread + pipeline thread) in this process, on a random loopback port. */
export async function startTestServer(extra: EnvOverrides = {}): Promise<InProcessServer> {
  const dir = tempDir();
  let server: RunningServer;
  try {
    server = await startServer(loadConfig(testEnv(dir.path, extra)), pino({ level: 'silent' }));
  } catch (error) {
    dir.remove();
    throw error;
  }
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
  /** The exit code (null when ended by a signal). */
  readonly exited: Promise<number | null>;
  output(): string;
}

/** The command line of `ifthen serve` from source; `wrap` runs it under another program (e.g. strace). */
export interface SpawnOptions {
  readonly wrap?: readonly string[];
}

/** The server as a child process, not waited for: for a run that is expected to die before it is ready. */
export function spawnChildServer(dataDir: string, port: number, extra: EnvOverrides = {}, options: SpawnOptions = {}): ChildServer {
  const argv = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'serve'];
  const [command, ...args] = [...(options.wrap ?? []), ...argv];
  // Its own process group, so that stopChild also ends what a wrapper (strace) started.
  const child = spawn(command, args, { env: childEnv(dataDir, port, extra), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { url: `http://127.0.0.1:${port}`, process: child, exited, output: () => output };
}

/**
 * The child's /readyz answer while a test waits for it to drain. A child that exited is an error with its output
 * (a crash after a restart must never hide behind "fetch failed"); a request that fails while the child lives
 * (a loaded machine) is `undefined`, counted in `transient`, and the caller asks again.
 */
export async function readiness(server: ChildServer, transient: { count: number }): Promise<{ lagEvents: number } | undefined> {
  try {
    const response = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(5000) });
    return (await response.json()) as { lagEvents: number };
  } catch (error) {
    if (server.process.exitCode !== null || server.process.signalCode !== null) {
      throw new Error(`the server exited with ${server.process.exitCode ?? server.process.signalCode} while the test waited for it:\n${server.output()}`);
    }
    transient.count++;
    if (transient.count > 50) throw new Error(`/readyz failed 50 times while the server ran (${(error as Error).message}):\n${server.output().slice(-4000)}`);
    return undefined;
  }
}

/** Polls /readyz until it answers 200; throws (and kills the child) if it exits or takes too long. */
export async function waitReady(server: ChildServer, timeoutMs = 20_000): Promise<ChildServer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.process.exitCode !== null || server.process.signalCode !== null) throw new Error(`server exited with ${server.process.exitCode ?? server.process.signalCode}:\n${server.output()}`);
    try {
      const response = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return server;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stopChild(server, 0);
      throw new Error(`server did not become ready:\n${server.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The server as a separate process (what `npm start` runs), for kill -9 and SIGTERM tests. */
export async function startChildServer(dataDir: string, port: number, extra: EnvOverrides = {}, options: SpawnOptions = {}): Promise<ChildServer> {
  return waitReady(spawnChildServer(dataDir, port, extra, options));
}

/**
 * Ends a child for good, whatever state it is in: SIGTERM, then SIGKILL after `graceMs` (0: SIGKILL at once).
 * For `finally` blocks, so that a failing test never leaves a process behind. Returns the exit code.
 */
export async function stopChild(server: Pick<ChildServer, 'process' | 'exited'>, graceMs = 5_000): Promise<number | null> {
  const child = server.process;
  const group = (signal: NodeJS.Signals) => {
    // The child's process group (spawned detached): the server and anything a wrapper started with it.
    try { process.kill(-child.pid!, signal); } catch { /* already gone */ }
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    group('SIGKILL');
    return child.exitCode;
  }
  if (graceMs > 0) child.kill('SIGTERM');
  else group('SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => { group('SIGKILL'); resolve(); }, graceMs);
  });
  await Promise.race([server.exited, killed]);
  clearTimeout(timer);
  const code = await server.exited;
  group('SIGKILL');
  return code;
}

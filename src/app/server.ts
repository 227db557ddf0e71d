// The composition root of the embedded server: takes the data-directory lock, opens the stores, starts the
// pipeline and dispatcher threads and the HTTP API, and shuts them down gracefully.
import pino, { type Logger } from 'pino';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { openApiStores, type ApiStores } from '../store/open.ts';
import { lockDataDir } from '../store/sqlite/sqlite-lock.ts';
import { PipelineClient } from './pipeline-client.ts';
import { buildApi } from '../api/app.ts';
import { hashToken, newToken } from '../api/tokens.ts';
import { Sandbox } from '../sandbox/sandbox.ts';
import { newSigningSecret } from '../actions/index.ts';
import { WorkerHandle } from './worker-handle.ts';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Set only when this start generated the admin token (first start without IFTHEN_ADMIN_TOKEN). */
  readonly generatedAdminToken?: string;
  close(): Promise<void>;
}

/** The port is taken: nothing was stored, so the next start can try again. */
export class ListenError extends Error {}

export async function startServer(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  const lock = lockDataDir(config.dataDir);
  let stores: ApiStores | undefined;
  let pipeline: PipelineClient | undefined;
  let app: FastifyInstance | undefined;
  let checkpointer: WorkerHandle | undefined;
  const sandbox = new Sandbox({ timeoutMs: config.sandboxTimeoutMs });
  sandbox.warm();
  try {
    stores = openApiStores(config);
    await ensureSigningSecret(stores, config);
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'ifthen_' });
    const ingested = new Counter({ name: 'ifthen_events_ingested_total', help: 'Events received, by source and outcome', labelNames: ['source', 'status'] as const, registers: [registry] });
    const stalls = new Counter({ name: 'ifthen_stalls_total', help: 'Threads replaced by the watchdog because one evaluation ran past IFTHEN_STALL_TIMEOUT_MS', labelNames: ['thread'] as const, registers: [registry] });

    const failed = new Promise<never>((_, reject) => {
      pipeline = new PipelineClient(config, {
        logger, stalls: stores!.stalls,
        onStall: (thread) => stalls.inc({ thread }),
        onFatal: (error) => {
          if (!app) return reject(error);
          logger.fatal({ err: error }, 'a pipeline thread failed; exiting');
          process.exit(1);
        },
      });
    });
    await Promise.race([pipeline!.ready, failed]);
    checkpointer = new WorkerHandle('checkpoint-worker', { dbFile: config.dbFile, everyMs: 500 }, [], (error) => logger.error({ err: error }, 'the checkpoint thread failed; the WAL file grows until restart'));
    await checkpointer.ready;

    app = await buildApi({ config, stores, pipeline: pipeline!, sandbox, registry, metrics: { ingested }, now: Date.now }, logger);
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new ListenError(code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use; stop what uses it or set PORT` : `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
    }
    // Only once the server is reachable: a token that was stored but never shown would lock the user out.
    const generatedAdminToken = !config.adminToken && !(await stores.keys.hasAdmin()) ? await createAdminToken(stores) : undefined;
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    const server = app;
    const running = pipeline!;
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= (async () => {
      // Stop accepting and let in-flight requests finish. Node closes idle keep-alive connections only once,
      // at close(); a connection whose request finishes later would stay open, so keep reaping them.
      const reaper = setInterval(() => server.server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => server.server.closeAllConnections(), config.shutdownGraceMs);
      await server.close();
      clearInterval(reaper);
      clearTimeout(deadline);
      await running.stop(); // finish the batch, finish or release deliveries, commit
      await checkpointer!.stop();
      await sandbox.close();
      stores!.close();
      lock.release();
      logger.info('stopped');
    })());
    return { app: server, url, generatedAdminToken, close };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await pipeline?.stop().catch(() => undefined);
    await checkpointer?.stop().catch(() => undefined);
    await sandbox.close();
    stores?.close();
    lock.release();
    throw error;
  }
}

async function createAdminToken(stores: ApiStores): Promise<string> {
  const token = newToken('admin');
  await stores.keys.create('admin', 'admin', hashToken(token), Date.now());
  return token;
}

/** The default signing secret: IFTHEN_SIGNING_SECRET, else one generated at first start and stored encrypted. */
async function ensureSigningSecret(stores: ApiStores, config: Config): Promise<void> {
  if (config.signing.secret) return;
  const active = await stores.signing.active(Date.now());
  if (active.some((s) => s.scope === 'default')) return;
  await stores.signing.rotate('default', newSigningSecret(), Date.now(), 0);
}

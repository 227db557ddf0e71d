// The composition root of the embedded server: reads the configuration, opens the SQLite file, starts
// the pipeline thread and the HTTP API, and shuts both down gracefully.
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { openDatabase, type SqliteDatabase } from '../store/sqlite/sqlite-database.ts';
import { SqliteKeyStore } from '../store/sqlite/sqlite-key-store.ts';
import { SqliteRuleStore } from '../store/sqlite/sqlite-rule-store.ts';
import { SqliteHistory } from '../store/sqlite/sqlite-history.ts';
import { SqliteSecretStore } from '../store/sqlite/sqlite-secret-store.ts';
import { SqliteOutbox } from '../store/sqlite/sqlite-outbox.ts';
import { SecretBox } from '../secrets/secret-box.ts';
import { PipelineClient } from './pipeline-client.ts';
import { buildApi } from '../api/app.ts';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Set only when this start generated the admin token (first start without IFTHEN_ADMIN_TOKEN). */
  readonly generatedAdminToken?: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  const db = openDatabase(config.dbFile, 8); // API reads and admin writes
  const keys = new SqliteKeyStore(db);
  const generatedAdminToken = !config.adminToken && !keys.hasAdmin() ? keys.create('admin', 'admin', Date.now()).token : undefined;
  const signingSecret = process.env.IFTHEN_SIGNING_SECRET || storedSigningSecret(db);
  const box = SecretBox.fromConfig(config.dataDir, config.secretKey);

  let closing: Promise<void> | undefined;
  const pipeline = new PipelineClient({ dbFile: config.dbFile, dataDir: config.dataDir, config, signingSecret }, (error) => {
    logger.fatal({ err: error }, 'pipeline thread failed; exiting');
    process.exit(1);
  });
  await pipeline.ready;

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ifthen_' });
  const ingested = new Counter({ name: 'ifthen_events_ingested_total', help: 'Events received, by source and outcome', labelNames: ['source', 'status'] as const, registers: [registry] });

  const app = await buildApi({
    config, keys, rules: new SqliteRuleStore(db), history: new SqliteHistory(db), secrets: new SqliteSecretStore(db, box),
    outbox: new SqliteOutbox(db), pipeline, registry, signingSecret,
    metrics: { ingested }, now: Date.now,
  }, logger);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;

  const close = () => (closing ??= (async () => {
    // Stop accepting and let in-flight requests finish. Node closes idle keep-alive connections only once,
    // at close(); a connection whose request finishes later would stay open, so keep reaping them.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
    await app.close();
    clearInterval(reaper);
    clearTimeout(deadline);
    await pipeline.stop(); // finish the batch, finish or release deliveries, commit
    db.close();
    logger.info('stopped');
  })());
  return { app, url, generatedAdminToken, close };
}

function storedSigningSecret(db: SqliteDatabase): string {
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('signing_secret', ?)").run(`whsec_${randomBytes(24).toString('base64url')}`);
  return db.prepare("SELECT value FROM meta WHERE key = 'signing_secret'").pluck().get() as string;
}

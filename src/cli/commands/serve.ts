// `ifthen serve`: runs API, console and engine in one process until SIGTERM or SIGINT.
import pino, { type Logger } from 'pino';
import { loadConfig } from '../../config.ts';
import { startServer } from '../../app/server.ts';

/** JSON lines for machines; readable lines when a person watches the terminal. */
function serverLogger(level: string): Logger {
  if (!process.stdout.isTTY || process.env.IFTHEN_LOG_FORMAT === 'json') return pino({ level });
  return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
}

export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`ifthen: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = serverLogger(config.logLevel);
  let server;
  try {
    server = await startServer(config, logger);
  } catch (error) {
    // A second process on the same data, a port in use: say what to do, and exit without leaving anything behind.
    process.stderr.write(`ifthen: cannot start: ${(error as Error).message}\n`);
    logger.flush?.();
    process.exit(1);
  }
  const lines = [
    '',
    `ifthen is running: ${server.url}`,
    `  console:    ${server.url}/ (sign in with a user, or with the admin token)`,
    `  API docs:   ${server.url}/docs`,
    `  data:       ${config.dataDir}`,
  ];
  if (server.generatedAdminToken) {
    lines.push(`  admin token (shown once; stored hashed — keep it, or set IFTHEN_ADMIN_TOKEN):`, `    ${server.generatedAdminToken}`);
  } else if (!config.adminToken) {
    lines.push('  admin token: the one printed at first start (or set IFTHEN_ADMIN_TOKEN)');
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(() => process.exit(0), (error) => {
      server.app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// `ifthen serve`: runs API, console and engine in one process until SIGTERM or SIGINT.
import { loadConfig } from '../../config.ts';
import { startServer } from '../../app/server.ts';

export async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const lines = [
    '',
    `ifthen is running: ${server.url}`,
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

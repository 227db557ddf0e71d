// What the CLI tests run against, started once for all of them: the real server, a webhook receiver, a scratch folder.
import { startTestServer, tempDir, type InProcessServer } from '../support/server.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

export interface World {
  readonly server: InProcessServer;
  readonly receiver: Receiver;
  /** Paths the receiver answers 503 ("busy") to, until a test takes them out. */
  readonly failing: Set<string>;
  /** A scratch folder for rule and event files. */
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const failing = new Set<string>();
  const receiver = await startReceiver();
  receiver.respond = (request, res) => {
    const busy = failing.has(request.url);
    res.writeHead(busy ? 503 : 200, { 'content-type': 'text/plain' }).end(busy ? 'busy' : 'ok');
  };
  const dir = tempDir('ifthen-cli-');
  let server: InProcessServer;
  try {
    server = await startTestServer();
  } catch (error) {
    await receiver.close();
    dir.remove();
    throw error;
  }
  return {
    server, receiver, failing, dir: dir.path,
    async stop() {
      try { await server.stop(); } finally { await receiver.close(); dir.remove(); }
    },
  };
}

/** The world is made in `before`; the cases read it when they run. */
export type WorldRef = () => World;

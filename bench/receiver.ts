// The webhook receiver of the latency scenario: answers 200 at once and records, per event id in the
// body, when the request arrived and its Idempotency-Key (to count duplicates).
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { wallNow } from './stats.ts';

export interface HookReceiver {
  readonly url: string;
  /** event id → arrival times (wall ms); more than one means a redelivery. */
  readonly arrivals: Map<string, number[]>;
  readonly keys: Map<string, number>;
  requests: number;
  badBodies: number;
  close(): Promise<void>;
}

export async function startHookReceiver(): Promise<HookReceiver> {
  const arrivals = new Map<string, number[]>();
  const keys = new Map<string, number>();
  const sockets = new Set<Socket>();
  const state = { requests: 0, badBodies: 0 };
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const at = wallNow(); // headers have arrived; the body of a small JSON follows in the same packet
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const key = String(req.headers['idempotency-key'] ?? '');
      keys.set(key, (keys.get(key) ?? 0) + 1);
      try {
        const id = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).event_id);
        const list = arrivals.get(id);
        if (list) list.push(at); else arrivals.set(id, [at]);
      } catch {
        state.badBodies++;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    keys,
    get requests() { return state.requests; },
    get badBodies() { return state.badBodies; },
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  } as HookReceiver;
}

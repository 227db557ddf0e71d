// The webhook receiver in a process of its own (so that neither the harness nor the server shares its
// event loop): answers 200 at once and records, per event id in the body, when the request arrived and
// its Idempotency-Key. The parent asks over IPC: `count` (requests so far), `report` (everything).
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { wallNow } from './stats.ts';

export type ReceiverRequest = { readonly type: 'count' | 'report' | 'reset'; readonly id: number };
export interface ReceiverReport {
  /** [event id, arrival wall ms] per request, in arrival order. */
  readonly arrivals: Array<[string, number]>;
  /** Idempotency keys seen more than once, with their count. */
  readonly repeatedKeys: Array<[string, number]>;
  readonly requests: number;
  readonly badBodies: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

let arrivals: Array<[string, number]> = [];
let keys = new Map<string, number>();
let requests = 0;
let badBodies = 0;
const ID = /"event_id":"([^"]*)"/;

const sockets = new Set<Socket>();
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const at = wallNow(); // headers have arrived; the body of a small JSON follows in the same packet
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    requests++;
    const key = String(req.headers['idempotency-key'] ?? '');
    keys.set(key, (keys.get(key) ?? 0) + 1);
    const id = ID.exec(chunks.length === 1 ? chunks[0].toString('latin1') : Buffer.concat(chunks).toString('latin1'))?.[1];
    if (id === undefined) badBodies++;
    else arrivals.push([id, at]);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send!({ type: 'listening', url: `http://127.0.0.1:${port}` });
});

process.on('message', (message: ReceiverRequest) => {
  if (message.type === 'count') return process.send!({ type: 'answer', id: message.id, value: requests });
  if (message.type === 'reset') {
    arrivals = []; keys = new Map(); requests = 0; badBodies = 0;
    return process.send!({ type: 'answer', id: message.id, value: null });
  }
  const repeatedKeys = [...keys].filter(([, n]) => n > 1);
  const report: ReceiverReport = {
    arrivals, repeatedKeys, requests, badBodies,
    firstAt: arrivals.length ? Math.min(...arrivals.slice(0, 1000).map((a) => a[1])) : NaN,
    lastAt: arrivals.reduce((m, a) => Math.max(m, a[1]), -Infinity),
  };
  process.send!({ type: 'answer', id: message.id, value: report });
});
process.on('disconnect', () => { for (const s of sockets) s.destroy(); server.close(); });

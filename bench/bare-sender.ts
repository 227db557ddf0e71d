// The baseline of the end-to-end scenario: a bare node:http keep-alive sender process posting small JSON
// bodies straight to a receiver process, as many connections as the dispatcher uses per destination.
// What two processes on this machine can do over loopback without ifthen in between.
//   node --import tsx bench/bare-sender.ts <url> <requests> <connections>   (prints one JSON line)
import { Agent, request } from 'node:http';
import { wallNow } from './stats.ts';

export interface BareResult { readonly requests: number; readonly failures: number; readonly seconds: number; readonly perSecond: number; readonly cpuSeconds: number }

async function run(url: string, total: number, connections: number): Promise<BareResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  let next = 0;
  let failures = 0;
  const one = (n: number) => new Promise<void>((resolve) => {
    const body = JSON.stringify({ event_id: `bare-${n}`, sent_at: String(Date.now()) });
    const req = request({
      agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': `bare-${n}` },
    }, (res) => {
      if (res.statusCode !== 200) failures++;
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => { failures++; resolve(); });
    req.end(body);
  });
  const cpu = process.cpuUsage();
  const started = wallNow();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < total) await one(next++);
  }));
  const seconds = (wallNow() - started) / 1000;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return { requests: total, failures, seconds, perSecond: total / seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

const [url, total, connections] = process.argv.slice(2);
const result = await run(url, Number(total), Number(connections));
process.stdout.write(`${JSON.stringify(result)}\n`);

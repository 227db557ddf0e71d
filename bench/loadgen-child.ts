// The load generator process: receives a LoadConfig over IPC, drives POST /v1/events with an undici
// Pool (keep-alive, N connections), and sends back a LoadResult.
import { Pool } from 'undici';
import type { LoadConfig, LoadMark, LoadResult } from './loadgen.ts';
import { eventFactory, HOOK_EVENT_TYPE, type BenchEvent } from './workload.ts';
import { sleep, wallNow } from './stats.ts';

const HEAD = /"accepted":(\d+),"duplicate":(\d+),"rejected":(\d+)/;

async function run(config: LoadConfig): Promise<LoadResult> {
  const pool = new Pool(config.url, { connections: config.connections, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${config.token}` };
  const nextEvent = eventFactory({ prefix: config.prefix, hookFraction: config.hookFraction, seed: config.seed, ids: config.ids });

  const start = wallNow();
  const windowStart = start + config.warmupSeconds * 1000;
  const end = start + config.seconds * 1000;
  let requests = 0, events = 0, accepted = 0, duplicate = 0, rejected = 0, failures = 0, measuredEvents = 0, skippedTicks = 0;
  const failureSamples: string[] = [];
  const statusCounts: Record<string, number> = {};
  const latencies: number[] = [];
  const hookEvents: Array<[string, number, number]> = [];
  const marks: LoadMark[] = [];
  const stopAfter = config.stopAfterEvents ?? Infinity;
  let slice: number[] = [];
  let sliceStart = start;
  let acked = 0;
  const mark = () => {
    const at = wallNow();
    slice.sort((a, b) => a - b);
    const q = (p: number) => slice[Math.min(slice.length - 1, Math.floor(p * slice.length))] ?? NaN;
    marks.push({ events: acked, at, rate: config.markEvery! / ((at - sliceStart) / 1000), p50: q(0.5), p99: q(0.99) });
    slice = [];
    sliceStart = at;
  };
  let lastAckAt = 0;
  let cpuAtWindow: NodeJS.CpuUsage | undefined;
  let cpuAtEnd: NodeJS.CpuUsage | undefined;

  const fail = (message: string) => {
    failures++;
    if (failureSamples.length < 5) failureSamples.push(message);
  };

  const send = async () => {
    const sentAt = wallNow();
    const batch: BenchEvent[] = new Array(config.batch);
    for (let i = 0; i < config.batch; i++) batch[i] = nextEvent(sentAt);
    const body = JSON.stringify(batch);
    requests++;
    events += batch.length;
    let status = 0;
    let text = '';
    try {
      const response = await pool.request({ path: '/v1/events', method: 'POST', headers, body });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      fail((error as Error).message);
      return;
    }
    const ackAt = wallNow();
    lastAckAt = Math.max(lastAckAt, ackAt);
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    const head = HEAD.exec(text.slice(0, 200));
    const counts = head ? head.slice(1).map(Number) : (() => {
      try { const r = JSON.parse(text); return [r.accepted ?? 0, r.duplicate ?? 0, r.rejected ?? batch.length]; } catch { return [0, 0, batch.length]; }
    })();
    accepted += counts[0]; duplicate += counts[1]; rejected += counts[2];
    if (status !== 200) {
      fail(`HTTP ${status}: ${text.slice(0, 300)}`);
      return;
    }
    if (sentAt >= windowStart && ackAt <= end) latencies.push(ackAt - sentAt);
    if (config.markEvery) {
      acked += counts[0] + counts[1];
      slice.push(ackAt - sentAt);
      if (acked >= (marks.length + 1) * config.markEvery) mark();
    }
    if (ackAt >= windowStart && ackAt <= end) measuredEvents += counts[0] + counts[1];
    if (config.hookFraction) for (const e of batch) if (e.type === HOOK_EVENT_TYPE) hookEvents.push([e.id, sentAt, ackAt]);
  };

  const markCpu = setTimeout(() => { cpuAtWindow = process.cpuUsage(); }, config.warmupSeconds * 1000);
  const endCpu = setTimeout(() => { cpuAtEnd = process.cpuUsage(); }, config.seconds * 1000);

  if (config.mode === 'closed') {
    const limit = config.requests ?? Infinity;
    await Promise.all(Array.from({ length: config.connections }, async () => {
      while (wallNow() < end && requests < limit && events < stopAfter) await send();
    }));
  } else {
    const inFlight = new Set<Promise<void>>();
    for (let tick = 0; ; tick++) {
      const due = start + tick * config.intervalMs;
      if (due >= end) break;
      const wait = due - wallNow();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= config.maxInFlight) { skippedTicks++; continue; }
      const p = send().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  }
  clearTimeout(markCpu);
  clearTimeout(endCpu);
  cpuAtEnd ??= process.cpuUsage();
  const windowCpu = cpuAtWindow ? (cpuAtEnd.user + cpuAtEnd.system - cpuAtWindow.user - cpuAtWindow.system) / 1e6 : NaN;
  await pool.close();
  // Stopped early (stopAfterEvents, requests): the window ends when sending did.
  const windowEnd = Math.min(end, wallNow());
  const measuredSeconds = (windowEnd - windowStart) / 1000;
  return {
    requests, events, accepted, duplicate, rejected, failures, failureSamples, statusCounts, measuredEvents, measuredSeconds,
    latencies, skippedTicks, hookEvents, generatorCores: windowCpu / measuredSeconds, firstSentAt: start, lastAckAt, windowStart, windowEnd, marks,
  };
}

process.once('message', (config: LoadConfig) => {
  run(config).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (error: Error) => process.send!({ type: 'error', error: error.stack ?? error.message }, () => process.exit(1)),
  );
});

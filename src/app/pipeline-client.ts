// The HTTP thread's handle on the two worker threads: the pipeline (the SQLite writer: ingest, processor,
// and the outbox's writes) and the dispatcher (sending), wired to each other with a MessageChannel. It
// also bounds the ingest queue (back-pressure) and runs the watchdog that replaces a stuck thread.
import { randomUUID } from 'node:crypto';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { AppendStatus, EncodedEvent, PositionedEvent, StallRecorder } from '../store/contracts.ts';
import { parseStallLabel } from '../processor/processor.ts';
import type { PipelineStatus } from './worker-protocol.ts';
import { WorkerHandle } from './worker-handle.ts';
import { StallWatch } from './stall-watch.ts';

/** Ingest is refused (503, Retry-After) while this many events already wait for the group commit. */
export class OverloadedError extends Error {}

/** The pipeline thread is being replaced: the request was not acknowledged and may be sent again. */
export class RestartingError extends Error {}

export interface PipelineHooks {
  readonly logger: Logger;
  readonly stalls: StallRecorder;
  /** A worker died on its own (not a stall): the process cannot go on. */
  onFatal(error: Error): void;
  onStall?(thread: 'pipeline' | 'dispatcher'): void;
}

const WATCH_EVERY_MS = 250;
/** /metrics and /readyz never wait longer than this for a worker thread. */
const OPS_TIMEOUT_MS = 3_000;

export class PipelineClient {
  #pipeline!: WorkerHandle;
  #dispatcher!: WorkerHandle;
  readonly #pipelineWatch = new StallWatch(StallWatch.buffer());
  readonly #dispatcherWatch = new StallWatch(StallWatch.buffer());
  #queuedEvents = 0;
  /** Settles when a replaced pipeline thread is ready again. */
  #pipelineReady: Promise<void>;
  #replacing = false;
  #stopped = false;
  readonly #watchdog: NodeJS.Timeout;
  readonly ready: Promise<void>;

  constructor(private readonly config: Config, private readonly hooks: PipelineHooks) {
    const channel = new MessageChannel();
    this.#pipeline = this.#startPipeline(channel.port1);
    this.#dispatcher = this.#startDispatcher(channel.port2);
    this.#pipelineReady = this.#pipeline.ready;
    this.ready = Promise.all([this.#pipeline.ready, this.#dispatcher.ready]).then(() => undefined);
    this.#watchdog = setInterval(() => void this.#watch(), WATCH_EVERY_MS);
    this.#watchdog.unref();
  }

  async append(events: readonly EncodedEvent[]): Promise<AppendStatus[]> {
    if (this.#queuedEvents + events.length > this.config.http.ingestQueueEvents) {
      throw new OverloadedError(`${this.#queuedEvents} events are waiting to be stored (limit IFTHEN_INGEST_QUEUE_EVENTS)`);
    }
    this.#queuedEvents += events.length;
    try {
      await this.#pipelineReady;
      return (await this.#pipeline.request((id) => ({ type: 'append', id, events }))) as AppendStatus[];
    } catch (error) {
      if (this.#replacing) throw new RestartingError('the pipeline thread is restarting');
      throw error;
    } finally {
      this.#queuedEvents -= events.length;
    }
  }

  /** Each thread's metrics; a thread that is stuck or being replaced is left out, never waited for. */
  async metrics(): Promise<string> {
    const answers = await Promise.allSettled([
      this.#pipeline.request((id) => ({ type: 'metrics', id }), OPS_TIMEOUT_MS),
      this.#dispatcher.request((id) => ({ type: 'metrics', id }), OPS_TIMEOUT_MS),
    ]);
    return answers.map((a) => (a.status === 'fulfilled' ? String(a.value) : '')).join('\n');
  }

  status(): Promise<PipelineStatus> {
    return this.#pipeline.request((id) => ({ type: 'status', id }), OPS_TIMEOUT_MS) as Promise<PipelineStatus>;
  }

  async findEvent(eventId: string): Promise<PositionedEvent | undefined> {
    return ((await this.#pipeline.request((id) => ({ type: 'find-event', id, eventId }), OPS_TIMEOUT_MS)) as PositionedEvent | null) ?? undefined;
  }

  notify(type: 'rules-changed' | 'deliveries-changed'): void {
    (type === 'rules-changed' ? this.#pipeline : this.#dispatcher).post({ type });
  }

  /**
   * Stops the dispatcher first (its last outcomes and lease releases are written through the pipeline
   * thread), then the pipeline. Deliveries committed meanwhile stay pending for the next start.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    await this.#dispatcher.stop();
    await this.#pipeline.stop();
  }

  #startPipeline(port: MessagePort): WorkerHandle {
    return new WorkerHandle('pipeline-worker', { config: this.config, outboxPort: port, watch: this.#pipelineWatch.shared }, [port], this.hooks.onFatal);
  }

  #startDispatcher(port: MessagePort): WorkerHandle {
    const owner = `dispatcher-${process.pid}-${randomUUID().slice(0, 8)}`;
    return new WorkerHandle('dispatcher-worker', { config: this.config, outboxPort: port, watch: this.#dispatcherWatch.shared, owner }, [port], this.hooks.onFatal);
  }

  /** Looks for an evaluation that has run past IFTHEN_STALL_TIMEOUT_MS; replaces the thread stuck in it. */
  async #watch(): Promise<void> {
    if (this.#replacing || this.#stopped) return;
    const now = Date.now();
    const limit = this.config.stallTimeoutMs;
    const pipelineStall = this.#pipelineWatch.stalled(now, limit);
    const dispatcherStall = pipelineStall ? undefined : this.#dispatcherWatch.stalled(now, limit);
    if (!pipelineStall && !dispatcherStall) return;
    this.#replacing = true;
    try {
      if (pipelineStall) await this.#replacePipeline(pipelineStall.label, pipelineStall.ms);
      else if (dispatcherStall) await this.#replaceDispatcher(dispatcherStall.label, dispatcherStall.ms);
    } catch (error) {
      this.hooks.onFatal(error as Error);
    } finally {
      this.#replacing = false;
    }
  }

  async #replacePipeline(label: string, ms: number): Promise<void> {
    const input = parseStallLabel(label);
    const error = `evaluating this ${input?.kind ?? 'input'} blocked the pipeline for more than ${this.config.stallTimeoutMs} ms (IFTHEN_STALL_TIMEOUT_MS); the thread was replaced and the ${input?.kind ?? 'input'} passed over`;
    this.hooks.logger.error({ input, ms: Math.round(ms) }, 'the pipeline thread is stuck; replacing it');
    this.hooks.onStall?.('pipeline');
    let ready!: () => void;
    this.#pipelineReady = new Promise((resolve) => { ready = resolve; });
    try {
      await this.#pipeline.kill();
      // Recorded before the new thread starts, so that it passes over the input instead of running it again.
      if (input) await this.hooks.stalls.inputStalled(input, error, Date.now());
      const channel = new MessageChannel();
      this.#pipeline = this.#startPipeline(channel.port1);
      this.#dispatcher.post({ type: 'outbox-port', port: channel.port2 }, [channel.port2]);
      await this.#pipeline.ready;
    } finally {
      ready();
    }
  }

  async #replaceDispatcher(label: string, ms: number): Promise<void> {
    const error = `rendering this delivery blocked the dispatcher for more than ${this.config.stallTimeoutMs} ms (IFTHEN_STALL_TIMEOUT_MS); it is dead and will not be retried on its own`;
    this.hooks.logger.error({ delivery: label, ms: Math.round(ms) }, 'the dispatcher thread is stuck; replacing it');
    this.hooks.onStall?.('dispatcher');
    await this.#dispatcher.kill();
    if (label) await this.hooks.stalls.deliveryStalled(label, error, Date.now());
    const channel = new MessageChannel();
    this.#pipeline.post({ type: 'outbox-port', port: channel.port1 }, [channel.port1]);
    // The new dispatcher releases the dead one's leases at start (it is the only live owner).
    this.#dispatcher = this.#startDispatcher(channel.port2);
    await this.#dispatcher.ready;
  }
}

// The processor on real SQLite stores in a temp dir, with the real engine and rule cache: rules are saved
// through the rule store, events appended to the log, and batches run one at a time by the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { DEFAULT_DELIVERY_POLICY } from '../../src/engine/rule/compile.ts';
import { validateRule } from '../../src/engine/rule/validate.ts';
import type { NewEvent } from '../../src/engine/event.ts';
import type { EngineOptions } from '../../src/engine/types.ts';
import { Processor, type ProcessorHooks, type StepWatch } from '../../src/processor/processor.ts';
import { RuleCache } from '../../src/processor/rule-cache.ts';
import { encodeEvent, type PipelineStore, type PositionedEvent } from '../../src/store/contracts.ts';
import { openApiStores, openPipelineStores, type ApiStores, type PipelineOptions, type PipelineStores } from '../../src/store/open.ts';

export const T0 = 1_700_000_000_000;

export interface ProcessorSpec {
  readonly store?: PipelineStore;
  readonly batchSize?: number;
  readonly subjectCacheSize?: number;
  readonly now?: () => number;
  readonly hooks?: ProcessorHooks;
  readonly watch?: StepWatch;
  /** Engine options (default: emit depth 8, default limits). */
  readonly engine?: EngineOptions;
}

export interface Harness {
  readonly api: ApiStores;
  readonly stores: PipelineStores;
  processor(spec?: ProcessorSpec): Processor;
  /** Validates and saves a rule (enabled), as `PUT /v1/rules/{id}` does. */
  saveRule(document: Record<string, unknown>, enabled?: boolean): Promise<void>;
  /** Appends events to the log; returns them as logged, with their cursors. */
  send(events: readonly Partial<NewEvent>[]): Promise<PositionedEvent[]>;
  /** Runs batches until there is nothing left (or `rounds` ran); returns the errors that batches threw. */
  drain(processor: Processor, rounds?: number): Promise<Error[]>;
  attributes(subject: string): Promise<Record<string, unknown> | undefined>;
  /** Event ids of the rule's firings, oldest first. */
  firedEvents(ruleId: string): Promise<string[]>;
  close(): void;
}

let counter = 0;

/** `options.commitProbe` injects faults into the pipeline store's commits (see COMMIT_STAGES). */
export function openHarness(options: PipelineOptions = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'ifthen-processor-'));
  const config = loadConfig({ IFTHEN_DATA: dir });
  let stores: PipelineStores | undefined;
  let api: ApiStores;
  try {
    stores = openPipelineStores(config, options);
    api = openApiStores(config);
  } catch (error) {
    stores?.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const partition = stores.log.partitionOf('any');
  return {
    api, stores,
    processor(spec = {}) {
      const rules = new RuleCache(stores.rules, DEFAULT_DELIVERY_POLICY, (ruleId, error) => { throw new Error(`rule ${ruleId} does not compile: ${error.message}`); });
      return new Processor(stores.log, spec.store ?? stores.pipeline, rules, {
        partition, batchSize: spec.batchSize ?? 100, engine: spec.engine ?? { maxEmitDepth: 8 }, now: spec.now ?? (() => T0), subjectCache: spec.subjectCacheSize === undefined ? undefined : { entries: spec.subjectCacheSize, bytes: 1e9 },
      }, spec.hooks, spec.watch);
    },
    async saveRule(document, enabled) {
      const checked = validateRule(document);
      if (!checked.ok) throw new Error(checked.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
      await api.rules.put(checked.rule, null, T0, enabled);
    },
    async send(events) {
      const full = events.map((e) => ({ id: `ev-${++counter}`, type: 'tick', subject: 'u1', time: T0, receivedAt: T0, properties: {}, depth: 0, ...e }));
      await stores.log.append(full.map(encodeEvent));
      const ids = new Set(full.map((e) => e.id));
      const logged: PositionedEvent[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = await stores.log.read(partition, cursor, 500);
        if (!page.length) break;
        logged.push(...page.filter((e) => ids.has(e.id)));
        cursor = page[page.length - 1].cursor;
      }
      return logged;
    },
    async drain(processor, rounds = 100) {
      const errors: Error[] = [];
      for (let i = 0; i < rounds; i++) {
        try {
          if ((await processor.processBatch()) === 0) return errors;
        } catch (error) {
          errors.push(error as Error);
        }
      }
      throw new Error(`still processing after ${rounds} batches; errors: ${errors.map((e) => e.message).join(' | ')}`);
    },
    async attributes(subject) {
      const record = await api.history.subject(subject);
      return record && { ...record.attributes };
    },
    async firedEvents(ruleId) {
      const page = await api.history.firings({ rule: ruleId, limit: 10_000 });
      return page.items.flatMap((f) => f.eventIds).reverse();
    },
    close() {
      try {
        api.close();
        stores.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** One test on a fresh harness, closed whatever happens. */
export async function withHarness(fn: (h: Harness) => Promise<void>, options: PipelineOptions = {}): Promise<void> {
  const harness = openHarness(options);
  try {
    await fn(harness);
  } finally {
    harness.close();
  }
}

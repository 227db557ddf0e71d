// Prometheus metrics owned by the pipeline thread; the HTTP thread serves them with its own.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Cursor, EventLog, OutboxStore } from '../store/contracts.ts';
import type { RetentionStore } from '../store/retention.ts';
import { getHeapStatistics } from 'node:v8';
import { diskMetrics } from './disk-metrics.ts';

/** What the pipeline thread holds in memory, read at scrape time. */
export interface PipelineMemorySources {
  /** The ingest dedupe window: ids remembered and the bytes of their tables. */
  dedupeWindow(): { ids: number; bytes: number };
  /** The committed subject states cached: entries and estimated bytes. */
  subjectCache(): { entries: number; bytes: number };
}

export function pipelineMetrics(registry: Registry, sources: { log: EventLog; outbox: OutboxStore; cursor: () => Cursor | null; retention: RetentionStore; memory: PipelineMemorySources }) {
  const registers = [registry];
  new Gauge({
    name: 'ifthen_dedupe_window_ids', help: 'Event ids the ingest dedupe window remembers (IFTHEN_DEDUPE_WINDOW_MS, IFTHEN_DEDUPE_MAX_IDS)', registers,
    collect() { this.set(sources.memory.dedupeWindow().ids); },
  });
  new Gauge({
    name: 'ifthen_dedupe_window_bytes', help: 'Memory of the ingest dedupe window tables', registers,
    collect() { this.set(sources.memory.dedupeWindow().bytes); },
  });
  new Gauge({
    name: 'ifthen_subject_cache_entries', help: 'Subject states cached by the processor (IFTHEN_SUBJECT_CACHE_ENTRIES)', registers,
    collect() { this.set(sources.memory.subjectCache().entries); },
  });
  new Gauge({
    name: 'ifthen_subject_cache_bytes', help: 'Estimated memory of the cached subject states (IFTHEN_SUBJECT_CACHE_BYTES)', registers,
    collect() { this.set(sources.memory.subjectCache().bytes); },
  });
  new Gauge({
    name: 'ifthen_pipeline_heap_used_bytes', help: 'JavaScript heap in use by the pipeline thread', registers,
    collect() { this.set(getHeapStatistics().used_heap_size); },
  });
  const beforeScrape = diskMetrics(registry, sources.retention);
  new Gauge({
    name: 'ifthen_processing_lag_events', help: 'Events in the log not yet processed', registers,
    async collect() { this.set((await sources.log.lag(0, sources.cursor())).events); },
  });
  new Gauge({
    name: 'ifthen_processing_lag_seconds', help: 'Age of the oldest event not yet processed', registers,
    async collect() {
      const lag = await sources.log.lag(0, sources.cursor());
      this.set(lag.oldestUnprocessedAt ? Math.max(0, (Date.now() - lag.oldestUnprocessedAt) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'ifthen_outbox_depth', help: 'Deliveries waiting or in flight', registers,
    async collect() { const c = await sources.outbox.counts(); this.set(c.pending + c.delivering); },
  });
  new Gauge({
    name: 'ifthen_deliveries_dead', help: 'Deliveries that are dead (replayable)', registers,
    async collect() { this.set((await sources.outbox.counts()).dead); },
  });
  return {
    beforeScrape,
    processed: new Counter({ name: 'ifthen_events_processed_total', help: 'Events the processor has committed', registers }),
    timersFired: new Counter({ name: 'ifthen_timers_fired_total', help: 'Durable timers that came due and were processed', registers }),
    lateEvents: new Counter({ name: 'ifthen_events_late_total', help: 'Events later than the allowed lateness (event time before arrival - IFTHEN_ALLOWED_LATENESS_MS): processed by match rules, ignored by windows, sequences, absences and dedupe', registers }),
    windowTrims: new Counter({ name: 'ifthen_window_entries_dropped_total', help: 'Times a rule\'s window, sequence step or cancel list for one subject held IFTHEN_MAX_WINDOW_EVENTS entries and dropped its oldest to take a new one (its value may then read low), by rule', labelNames: ['rule'], registers }),
    suppressions: new Counter({ name: 'ifthen_suppressions_total', help: 'Triggers stopped or delayed by a limit, by rule and reason (deduped, quiet_hours, capped, rate_limited, cancelled, overflow)', labelNames: ['rule', 'reason'], registers }),
    firings: new Counter({ name: 'ifthen_firings_total', help: 'Rule firings', labelNames: ['rule'], registers }),
    ruleErrors: new Counter({ name: 'ifthen_rule_errors_total', help: 'Conditions or actions that failed at run time (missing property, wrong type, budget), by rule', labelNames: ['rule'], registers }),
    eventFailures: new Counter({ name: 'ifthen_events_failed_total', help: 'Events recorded as failed and passed over, by stage (step, commit, profile: an identify over the profile bound); stalls are ifthen_stalls_total', labelNames: ['stage'], registers }),
    ingestCommits: new Counter({ name: 'ifthen_ingest_commits_total', help: 'Durable ingest commits (each one fsync); concurrent requests share one', registers }),
    requestsPerCommit: new Histogram({ name: 'ifthen_ingest_requests_per_commit', help: 'Ingest requests that shared one commit (group commit)', registers, buckets: [1, 2, 4, 8, 16, 32, 64] }),
    batchSeconds: new Histogram({ name: 'ifthen_processing_batch_seconds', help: 'Time to process and commit one batch', registers, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] }),
    retentionDeleted: new Counter({ name: 'ifthen_retention_deleted_total', help: 'Rows deleted by retention, by kind (events, firings, delivered and dead deliveries with their attempts, failures, rule errors, suppressions)', labelNames: ['kind'], registers }),
    retentionReclaimedPages: new Counter({ name: 'ifthen_retention_reclaimed_pages_total', help: 'Free pages returned to the file system after retention deletes (PRAGMA incremental_vacuum)', registers }),
    retentionStepSeconds: new Histogram({ name: 'ifthen_retention_step_seconds', help: 'Write-lock time of each retention transaction (a batch of deletes or of returned pages), by kind', labelNames: ['kind'], registers, buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1] }),
    retentionWaitSeconds: new Counter({ name: 'ifthen_retention_wait_seconds_total', help: 'Time retention waited for the WAL to be checkpointed back under its limit', registers }),
    retentionPassSeconds: new Gauge({ name: 'ifthen_retention_last_pass_seconds', help: 'How long the last retention pass took (its deletes are spread out, between ingest commits)', registers }),
    retentionLongestStepSeconds: new Gauge({ name: 'ifthen_retention_last_pass_longest_step_seconds', help: 'The longest single delete transaction of the last retention pass (the write lock it held)', registers }),
    retentionPassTime: new Gauge({ name: 'ifthen_retention_last_pass_timestamp_seconds', help: 'When the last retention pass started', registers }),
  };
}

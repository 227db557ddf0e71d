// Configuration from the environment: every knob has a documented default (README "Configuration").
import type { GlobalControl } from './engine/holdout/assignment.ts';
import { join, resolve } from 'node:path';
import { signingSecretProblem } from './actions/webhook/signature.ts';
import { DEFAULT_CONDITION_LIMITS, type ConditionLimits } from './engine/condition-limits.ts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './engine/render-limits.ts';
import type { MemoryLimits } from './engine/types.ts';
import { DEFAULT_MEMORY_LIMITS } from './engine/memory-limits.ts';
import { DEFAULT_SUBJECT_CACHE } from './processor/subject-cache.ts';
import { DEFAULT_DEDUPE } from './store/sqlite/recent-ids.ts';
import { backtestConfig, type BacktestConfig } from './backtest/config.ts';
import { sessionConfig, type SessionConfig } from './api/session-config.ts';

export interface Config {
  /** Sign-in, sessions and their rate limit (issue 8, src/api/session-config.ts). */
  readonly session: SessionConfig;
  /** Storage backend (IFTHEN_STORE): `sqlite`, the embedded default. */
  readonly store: string;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly dbFile: string;
  readonly adminToken?: string;
  readonly allowPrivateTargets: boolean;
  readonly secretKey?: string;
  readonly logLevel: string;
  readonly limits: {
    readonly bodyBytes: number;
    readonly eventsPerRequest: number;
    readonly propertyDepth: number;
    readonly typeLength: number;
    /** A subject's profile: at most this many attributes, and this many bytes as JSON. */
    readonly subjectAttributes: number;
    readonly subjectBytes: number;
  };
  readonly http: {
    /** Whole request, body included; a client that sends half a body is cut off after it. */
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    /** A socket with no traffic at all. */
    readonly idleTimeoutMs: number;
    /** Events waiting for the group commit; beyond it ingest answers 503 with Retry-After. */
    readonly ingestQueueEvents: number;
  };
  /** An evaluation running longer than this is stuck: the watchdog replaces the thread and passes over the input. */
  readonly stallTimeoutMs: number;
  /** A rule test (or backtest) running longer than this is stopped, and its thread replaced. */
  readonly sandboxTimeoutMs: number;
  /** Bearer token for /metrics; open when unset. */
  readonly metricsToken?: string;
  readonly signing: {
    /** The default webhook signing secret from IFTHEN_SIGNING_SECRET (else generated and stored encrypted). */
    readonly secret?: string;
    /** How long a replaced signing secret keeps signing beside the new one. */
    readonly rotationOverlapMs: number;
  };
  /**
   * Ingest dedupe: an event id accepted less than `windowMs` ago and among the last `maxIds` events of the
   * log (and not yet deleted by retention) is answered `duplicate`; older ids are not remembered.
   */
  readonly dedupe: { readonly windowMs: number; readonly maxIds: number };
  readonly engine: { readonly maxEmitDepth: number; readonly batchSize: number };
  /** IFTHEN_GLOBAL_CONTROL_PERCENT (0: none) and _SALT: subjects held out of every rule with `holdout.global_control`. */
  readonly globalControl?: GlobalControl;
  /** Backtests and near misses (IFTHEN_BACKTEST_*): time limit, heap, queue. */
  readonly backtest: BacktestConfig;
  /** IFTHEN_SUBJECT_TIMELINE (`off` turns it off): the pipeline thread indexes the log by subject. */
  readonly subjectTimeline: boolean;
  /** Committed subject states kept in memory; the rest are read from the store when an event needs them. */
  readonly subjectCache: { readonly entries: number; readonly bytes: number };
  /** The budget of one condition evaluation; past it the condition is false and a rule error is recorded. */
  readonly condition: ConditionLimits;
  /** Template rendering budget: per firing (set, emit), per delivery attempt, per action in a rule test. */
  readonly render: RenderLimits;
  /** Rules with memory (engine/MEMORY.md): allowed lateness and the bounds of what a subject's memory keeps. */
  readonly memory: MemoryLimits;
  readonly dispatcher: {
    readonly globalConcurrency: number;
    readonly perDestinationConcurrency: number;
    readonly defaultTimeoutMs: number;
    readonly pollMs: number;
  };
  readonly delivery: { readonly maxAttempts: number; readonly maxAgeMs: number; readonly backoffMs: number; readonly backoffMaxMs: number };
  readonly smtp: { readonly url?: string; readonly from?: string };
  readonly shutdownGraceMs: number;
  /** How long each kind of history is kept (0: forever), and how the pipeline thread deletes it (store/retention.ts). */
  readonly retention: RetentionConfig;
}

export interface RetentionConfig {
  /** Events, by arrival time; never one the processor has not processed yet, nor one a pending emit still relays. */
  readonly eventsMs: number;
  /** Firings, by firing time; never one that still has a delivery. */
  readonly firingsMs: number;
  /** Delivered deliveries and their attempts, from delivery. */
  readonly deliveredMs: number;
  /** Dead deliveries (the dead-letter list) and their attempts, from the moment they died; a replay starts them again. */
  readonly deadMs: number;
  /** Events recorded as failed (GET /v1/failures); never one after the processor's cursor (it is still to be passed over). */
  readonly failuresMs: number;
  /** Rule run-time errors (already at most 20 per rule). */
  readonly ruleErrorsMs: number;
  /** Suppressions (a trigger stopped or delayed by a limit), by the time they were decided. */
  readonly suppressionsMs: number;
  /**
   * Goal and guardrail events kept for holdout reports (issue 7): an exposure reads them for its pre-exposure
   * window and an exposure processed after them reads its post window, so they must outlive the longest goal
   * window (`within`, at most 90 days) plus the allowed lateness.
   */
  readonly goalEventsMs: number;
  /** How often a retention pass starts (0: never). */
  readonly intervalMs: number;
  /** Write-lock time one delete transaction aims at; batches grow or shrink to stay near it. */
  readonly batchMs: number;
  /** A database without auto_vacuum (made before it was set) is converted by a VACUUM at start when no larger than this. */
  readonly vacuumAtStartMaxBytes: number;
}

const DAY_MS = 86_400_000;

type Env = Readonly<Record<string, string | undefined>>;

/** Standard Webhooks secrets: `whsec_` and the standard base64 of 24 to 64 random bytes. */
function signingSecret(env: Env): string | undefined {
  const value = env.IFTHEN_SIGNING_SECRET;
  if (!value) return undefined;
  const problem = signingSecretProblem(value);
  if (problem) throw new Error(`IFTHEN_SIGNING_SECRET: ${problem}`);
  return value;
}

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: must be a non-negative number, got "${raw}"`);
  return value;
}

/** The global control group: 0 (the default) turns it off; at most 50 %. */
function globalControl(env: Env): GlobalControl | undefined {
  const percent = int(env, 'IFTHEN_GLOBAL_CONTROL_PERCENT', 0);
  if (percent > 50) throw new Error(`IFTHEN_GLOBAL_CONTROL_PERCENT: must be at most 50, got "${env.IFTHEN_GLOBAL_CONTROL_PERCENT}"`);
  if (percent === 0) return undefined;
  return { percent, salt: env.IFTHEN_GLOBAL_CONTROL_SALT || 'global-control' };
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(env.IFTHEN_DATA ?? './data');
  return {
    store: env.IFTHEN_STORE || 'sqlite',
    port: int(env, 'PORT', 8787),
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    dbFile: join(dataDir, 'ifthen.db'),
    adminToken: env.IFTHEN_ADMIN_TOKEN || undefined,
    allowPrivateTargets: env.IFTHEN_ALLOW_PRIVATE_TARGETS === 'true',
    secretKey: env.IFTHEN_SECRET_KEY || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    limits: {
      bodyBytes: int(env, 'IFTHEN_MAX_BODY_BYTES', 1024 * 1024),
      eventsPerRequest: int(env, 'IFTHEN_MAX_EVENTS_PER_REQUEST', 1000),
      propertyDepth: int(env, 'IFTHEN_MAX_PROPERTY_DEPTH', 32),
      typeLength: int(env, 'IFTHEN_MAX_TYPE_LENGTH', 200),
      subjectAttributes: int(env, 'IFTHEN_MAX_SUBJECT_ATTRIBUTES', 1000),
      subjectBytes: int(env, 'IFTHEN_MAX_SUBJECT_BYTES', 64 * 1024),
    },
    http: {
      requestTimeoutMs: int(env, 'IFTHEN_HTTP_REQUEST_TIMEOUT_MS', 30_000),
      headersTimeoutMs: int(env, 'IFTHEN_HTTP_HEADERS_TIMEOUT_MS', 10_000),
      keepAliveTimeoutMs: int(env, 'IFTHEN_HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000),
      idleTimeoutMs: int(env, 'IFTHEN_HTTP_IDLE_TIMEOUT_MS', 60_000),
      ingestQueueEvents: int(env, 'IFTHEN_INGEST_QUEUE_EVENTS', 100_000),
    },
    stallTimeoutMs: int(env, 'IFTHEN_STALL_TIMEOUT_MS', 10_000),
    sandboxTimeoutMs: int(env, 'IFTHEN_SANDBOX_TIMEOUT_MS', 5_000),
    metricsToken: env.IFTHEN_METRICS_TOKEN || undefined,
    signing: {
      secret: signingSecret(env),
      rotationOverlapMs: int(env, 'IFTHEN_SIGNING_ROTATION_OVERLAP_MS', 86_400_000),
    },
    dedupe: { windowMs: int(env, 'IFTHEN_DEDUPE_WINDOW_MS', DEFAULT_DEDUPE.windowMs), maxIds: int(env, 'IFTHEN_DEDUPE_MAX_IDS', DEFAULT_DEDUPE.maxIds) },
    subjectCache: { entries: int(env, 'IFTHEN_SUBJECT_CACHE_ENTRIES', DEFAULT_SUBJECT_CACHE.entries), bytes: int(env, 'IFTHEN_SUBJECT_CACHE_BYTES', DEFAULT_SUBJECT_CACHE.bytes) },
    engine: { maxEmitDepth: int(env, 'IFTHEN_MAX_EMIT_DEPTH', 8), batchSize: int(env, 'IFTHEN_PROCESS_BATCH', 500) },
    globalControl: globalControl(env),
    backtest: backtestConfig(env),
    session: sessionConfig(env),
    subjectTimeline: env.IFTHEN_SUBJECT_TIMELINE !== 'off',
    condition: {
      maxSteps: int(env, 'IFTHEN_CONDITION_STEPS', DEFAULT_CONDITION_LIMITS.maxSteps),
      maxMs: int(env, 'IFTHEN_CONDITION_MS', DEFAULT_CONDITION_LIMITS.maxMs),
      maxStringLength: int(env, 'IFTHEN_CONDITION_STRING_LENGTH', DEFAULT_CONDITION_LIMITS.maxStringLength),
    },
    render: {
      steps: int(env, 'IFTHEN_RENDER_STEPS', DEFAULT_RENDER_LIMITS.steps),
      ms: int(env, 'IFTHEN_RENDER_MS', DEFAULT_RENDER_LIMITS.ms),
      memory: int(env, 'IFTHEN_RENDER_MEMORY', DEFAULT_RENDER_LIMITS.memory),
      actionBytes: int(env, 'IFTHEN_RENDERED_BYTES', DEFAULT_RENDER_LIMITS.actionBytes),
    },
    memory: {
      allowedLatenessMs: int(env, 'IFTHEN_ALLOWED_LATENESS_MS', DEFAULT_MEMORY_LIMITS.allowedLatenessMs),
      maxWindowEvents: int(env, 'IFTHEN_MAX_WINDOW_EVENTS', DEFAULT_MEMORY_LIMITS.maxWindowEvents),
      maxPending: int(env, 'IFTHEN_MAX_PENDING', DEFAULT_MEMORY_LIMITS.maxPending),
      maxMemoryBytes: int(env, 'IFTHEN_MAX_SUBJECT_MEMORY_BYTES', DEFAULT_MEMORY_LIMITS.maxMemoryBytes),
    },
    dispatcher: {
      globalConcurrency: int(env, 'IFTHEN_DELIVERY_CONCURRENCY', 256),
      perDestinationConcurrency: int(env, 'IFTHEN_DELIVERY_CONCURRENCY_PER_HOST', 32),
      defaultTimeoutMs: int(env, 'IFTHEN_DELIVERY_TIMEOUT_MS', 10_000),
      pollMs: int(env, 'IFTHEN_DELIVERY_POLL_MS', 250),
    },
    delivery: {
      maxAttempts: int(env, 'IFTHEN_DELIVERY_MAX_ATTEMPTS', 10),
      maxAgeMs: int(env, 'IFTHEN_DELIVERY_MAX_AGE_MS', 86_400_000),
      backoffMs: int(env, 'IFTHEN_DELIVERY_BACKOFF_MS', 1000),
      backoffMaxMs: int(env, 'IFTHEN_DELIVERY_BACKOFF_MAX_MS', 3_600_000),
    },
    smtp: { url: env.IFTHEN_SMTP_URL || undefined, from: env.IFTHEN_SMTP_FROM || undefined },
    shutdownGraceMs: int(env, 'IFTHEN_SHUTDOWN_GRACE_MS', 10_000),
    retention: {
      eventsMs: int(env, 'IFTHEN_RETENTION_EVENTS_MS', 30 * DAY_MS),
      firingsMs: int(env, 'IFTHEN_RETENTION_FIRINGS_MS', 30 * DAY_MS),
      deliveredMs: int(env, 'IFTHEN_RETENTION_DELIVERED_MS', 14 * DAY_MS),
      deadMs: int(env, 'IFTHEN_RETENTION_DEAD_MS', 30 * DAY_MS),
      failuresMs: int(env, 'IFTHEN_RETENTION_FAILURES_MS', 30 * DAY_MS),
      ruleErrorsMs: int(env, 'IFTHEN_RETENTION_RULE_ERRORS_MS', 30 * DAY_MS),
      suppressionsMs: int(env, 'IFTHEN_RETENTION_SUPPRESSIONS_MS', 30 * DAY_MS),
      goalEventsMs: int(env, 'IFTHEN_RETENTION_GOAL_EVENTS_MS', 91 * DAY_MS),
      intervalMs: int(env, 'IFTHEN_RETENTION_INTERVAL_MS', 60_000),
      batchMs: int(env, 'IFTHEN_RETENTION_BATCH_MS', 1),
      vacuumAtStartMaxBytes: int(env, 'IFTHEN_VACUUM_AT_START_MAX_BYTES', 256 * 1024 * 1024),
    },
  };
}

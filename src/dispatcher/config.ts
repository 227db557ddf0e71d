// The dispatcher's settings, their defaults, and the one rule between them (a lease outlives an attempt).
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from '../engine/render-limits.ts';

export interface DispatcherConfig {
  /** This dispatcher's name on its leases; unique per running instance. */
  readonly owner: string;
  /**
   * At start, release the leases of every other owner: only when this dispatcher is known to be the only
   * live one (the embedded server holds the data-directory lock). Otherwise expired leases are reclaimed.
   */
  readonly releaseOtherOwnersAtStart?: boolean;
  /** How often expired leases are taken back. Default: a quarter of the lease, at most 5 000 ms. */
  readonly reclaimEveryMs?: number;
  /** Attempts in flight across all destinations. Default 256. */
  readonly globalConcurrency?: number;
  /** Attempts in flight per destination (URL host, `smtp`, `log`). Default 32. */
  readonly perDestinationConcurrency?: number;
  /** How long a claimed delivery stays leased; must exceed the attempt timeout. Default 60 000 ms. */
  readonly leaseMs?: number;
  /** Longest sleep between looks at the outbox when nothing woke the dispatcher. Default 250 ms. */
  readonly pollMs?: number;
  /** Attempt timeout for actions without their own `timeout`. Default 10 000 ms. */
  readonly defaultTimeoutMs?: number;
  /** Allow webhooks to loopback/private/link-local addresses (IFTHEN_ALLOW_PRIVATE_TARGETS). */
  readonly allowPrivateTargets: boolean;
  readonly smtp?: { readonly url?: string; readonly from?: string };
  /** Default "ifthen/0.1". */
  readonly userAgent?: string;
  /** What rendering one attempt's templates may cost (IFTHEN_RENDER_*). Default DEFAULT_RENDER_LIMITS. */
  readonly render?: RenderLimits;
}

export type ResolvedDispatcherConfig = Required<Omit<DispatcherConfig, 'smtp'>> & Pick<DispatcherConfig, 'smtp'>;

export const DISPATCHER_DEFAULTS = {
  globalConcurrency: 256,
  perDestinationConcurrency: 32,
  leaseMs: 60_000,
  pollMs: 250,
  defaultTimeoutMs: 10_000,
  userAgent: 'ifthen/0.1',
} as const;

/** Margin kept between the longest attempt and the lease, for recording the outcome. */
export const LEASE_MARGIN_MS = 1000;

export function resolveDispatcherConfig(config: DispatcherConfig): ResolvedDispatcherConfig {
  const leaseMs = config.leaseMs ?? DISPATCHER_DEFAULTS.leaseMs;
  const resolved: ResolvedDispatcherConfig = {
    owner: config.owner,
    releaseOtherOwnersAtStart: config.releaseOtherOwnersAtStart ?? false,
    reclaimEveryMs: config.reclaimEveryMs ?? Math.min(5000, Math.ceil(leaseMs / 4)),
    globalConcurrency: config.globalConcurrency ?? DISPATCHER_DEFAULTS.globalConcurrency,
    perDestinationConcurrency: config.perDestinationConcurrency ?? DISPATCHER_DEFAULTS.perDestinationConcurrency,
    leaseMs,
    pollMs: config.pollMs ?? DISPATCHER_DEFAULTS.pollMs,
    defaultTimeoutMs: config.defaultTimeoutMs ?? DISPATCHER_DEFAULTS.defaultTimeoutMs,
    allowPrivateTargets: config.allowPrivateTargets,
    smtp: config.smtp,
    userAgent: config.userAgent ?? DISPATCHER_DEFAULTS.userAgent,
    render: config.render ?? DEFAULT_RENDER_LIMITS,
  };
  if (!resolved.owner) throw new Error('dispatcher owner must be a non-empty name');
  for (const key of ['globalConcurrency', 'perDestinationConcurrency', 'leaseMs', 'pollMs', 'defaultTimeoutMs', 'reclaimEveryMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 1) throw new Error(`dispatcher ${key} must be a positive number, got ${resolved[key]}`);
  }
  if (resolved.leaseMs < resolved.defaultTimeoutMs + LEASE_MARGIN_MS) {
    throw new Error(`dispatcher leaseMs (${resolved.leaseMs}) must exceed defaultTimeoutMs (${resolved.defaultTimeoutMs}) by at least ${LEASE_MARGIN_MS} ms`);
  }
  return resolved;
}

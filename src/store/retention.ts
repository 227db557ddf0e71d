// The retention contract: what a backend deletes when history grows old, one short transaction at a time,
// and what it reports about its disk. The policy (which kind, how old) is the caller's; the backend keeps
// what is still needed whatever it is asked: unprocessed events, open deliveries, firings with deliveries.
// Timers are no history: a pending timer is state, never deleted by retention (only its firing or cancel does).

/** The kinds of history with a retention period of their own. */
// In sweep order: deliveries before firings, so that a firing whose last delivery goes in this pass can go too;
// events early, as they take most of the space.
export const RETENTION_KINDS = ['delivered', 'dead', 'events', 'firings', 'failures', 'ruleErrors', 'suppressions', 'goalEvents'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** One pass over one kind: each `step` is one transaction that deletes at most `rows` rows. */
export interface RetentionSweep {
  step(rows: number): { readonly deleted: number; readonly done: boolean };
}

/** The tables whose oldest row the API and /metrics report. */
export const HISTORY_TABLES = ['events', 'firings', 'deliveries', 'event_failures', 'rule_errors', 'suppressions'] as const;
export type HistoryTable = (typeof HISTORY_TABLES)[number];

/** Per table: the time of the oldest row still stored (arrival, firing, creation, failure), or null when empty. */
export type OldestRetained = Readonly<Record<HistoryTable, number | null>>;

export interface DiskUsage {
  readonly fileBytes: number;
  readonly walBytes: number;
  readonly pageSize: number;
  readonly pages: number;
  readonly freePages: number;
  /** Rows per table, estimated from the ends of its rowid range (no count over the table). */
  readonly rowEstimates: Readonly<Record<string, number>>;
}

export interface RetentionStore {
  /** Starts a pass deleting `kind` older than `cutoff` (epoch ms, exclusive). */
  sweep(kind: RetentionKind, cutoff: number): RetentionSweep;
  /** Free pages beyond what the file should keep for reuse (0 when the backend cannot return space). */
  excessFreePages(): number;
  /** Returns at most `pages` free pages to the file system, in one transaction; how many it returned. */
  reclaim(pages: number): number;
  oldest(): OldestRetained;
  disk(): DiskUsage;
  /**
   * The store is behind on copying writes back (SQLite: the checkpoints are far behind the WAL): retention
   * waits, so that its deletes never make the WAL grow without bound.
   */
  backlogged(): boolean;
}

// Shapes of the answers the rules list reads: GET /v1/rules and GET /v1/rule-activity (see /docs).

export interface RuleDocumentLike {
  id: string;
  name?: string;
  description?: string;
  when?: unknown;
  holdout?: { percent?: number };
  [key: string]: unknown;
}

export interface RuleItem {
  id: string;
  version: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  document: RuleDocumentLike;
}

export interface RuleChange { at: string; actor: string; action: string }

export type LiftBadge =
  | { status: 'no_holdout' | 'pending' | 'no_goal' | 'sample_ratio_mismatch' }
  | { status: 'too_early'; matured: { control: number; treatment: number }; minimum: number }
  | { status: 'ready'; verdict: 'helped' | 'hurt' | 'inconclusive' | 'invalid'; metric: string; kind: 'conversion' | 'value'; absolute: number; lower: number; upper: number }
  | { status: 'failed'; message: string };

export interface RuleActivity {
  rule: string;
  firings: number[];
  holdout: number[];
  suppressed: number[];
  suppressions: Record<string, number>;
  errors: { count: number; last: string | null };
  created: RuleChange | null;
  changed: RuleChange | null;
  lift: LiftBadge;
}

export interface RuleActivityAnswer {
  from: string;
  to: string;
  hours: number;
  items: RuleActivity[];
  lift: { computed: number; pending: number; ms: number };
}

/** One row of the list: the rule, what it listens to, and its activity (absent until the activity arrives). */
export interface Row {
  rule: RuleItem;
  name: string;
  events: string[];
  /** Lower-cased id, name and event types: what the search looks in. */
  haystack: string;
  activity?: RuleActivity;
  total: number;
}

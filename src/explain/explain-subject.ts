// GET /v1/subjects/{id}/explain, the part that runs in the sandbox: a saved rule over the subject's recent
// events (after a warm-up of the events within the rule's longest window before the first one shown), with
// explain on, from the subject's current profile, firing the timers due by now as the pipeline has.
import type { LoggedEvent } from '../engine/event.ts';
import type { RuleDocument } from '../engine/rule/schema.ts';
import { compileRule, type CompiledRule } from '../engine/rule/compile.ts';
import type { EngineOptions } from '../engine/types.ts';
import { explainReplay, type DecisionView, type WaitingTimer } from './explain-replay.ts';

export interface ExplainSubjectInput {
  readonly rule: { readonly document: RuleDocument; readonly version: number; readonly enabled: boolean };
  readonly companions: readonly { readonly document: RuleDocument; readonly version: number }[];
  readonly subject: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Oldest first; the first `shownFrom` only warm the rule up. */
  readonly events: readonly LoggedEvent[];
  readonly shownFrom: number;
  readonly now: number;
  readonly engine: Omit<EngineOptions, 'wallClock'>;
}

export interface ExplainSubjectResult {
  readonly decisions: readonly DecisionView[];
  readonly waiting: readonly WaitingTimer[];
}

/** How far before the first event shown the rule's state can reach: its windows, its caps, its dedupe, its waits. */
export function warmupMs(rule: CompiledRule): number {
  const m = rule.memory;
  if (!m) return 0;
  return Math.max(m.horizonMs, m.unless?.withinMs ?? 0, m.waitMs ?? 0, m.limits.dedupe?.withinMs ?? 0, m.limits.perSubject?.perMs ?? 0, m.limits.group?.perMs ?? 0);
}

export function explainSubject(input: ExplainSubjectInput): ExplainSubjectResult {
  const rule = compileRule(input.rule.document, input.rule.version);
  const companions = input.companions.map((c) => compileRule(c.document, c.version));
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(input.attributes)) attributes[key] = input.attributes[key];
  const result = explainReplay({
    rule, companions, events: input.events, shownFrom: input.shownFrom, subject: { id: input.subject, attributes },
    engine: { ...input.engine, wallClock: () => performance.now() }, until: input.now,
  });
  const decisions = result.decisions.map(({ trace: _trace, ...d }) => (input.rule.enabled ? d : disabled(d)));
  return { decisions, waiting: input.rule.enabled ? result.waiting : [] };
}

/** A disabled rule does nothing: each decision says so, and what the rule would have done were it on. */
function disabled(d: DecisionView): DecisionView & { wouldHave: string } {
  return { ...d, outcome: 'disabled', because: `disabled: the rule is switched off; were it on: ${d.because}`, wouldHave: d.outcome };
}

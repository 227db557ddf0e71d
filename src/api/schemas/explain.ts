// OpenAPI answers of "why (not)?": a rule's decision on one input, with the values it saw; the suppressions its
// limits recorded; the timers still waiting; the subject's explained timeline; the warnings of a save.
import { Type } from '@sinclair/typebox';
import { Answer, Json, Nullable, Time } from './common.ts';

export const SuppressionAnswer = Answer({
  reason: Type.String({ description: 'deduped, quiet_hours, capped, rate_limited, cancelled, overflow' }),
  event: Type.String({ description: 'The trigger event (for cancelled: the event that was waited on)' }),
  at: Time('The firing time it was decided at'),
  detail: Type.String({ description: 'In words: `per_subject: 1 in 24h reached`, `cancelled by e_123 (order_completed)`' }),
  delayedUntil: Type.Optional(Time('For a delay (quiet hours then: delay, rate limit): when it goes out instead')),
}, 'A trigger stopped or delayed by a limit');

export const WaitingAnswer = Answer({
  id: Type.String({ description: 'The timer id' }),
  dueAt: Time(),
  because: Type.String({ description: '`would fire at 2026-… unless order_completed arrives first`' }),
}, 'A timer of the rule still waiting');

const Window = Answer({ value: Type.Number(), bound: Type.Number() }, 'A threshold: the value and the bound');

export const DecisionAnswer = Answer({
  input: Json('The input: {kind: "event", id, type, time, receivedAt} or {kind: "timer", id, dueAt}'),
  outcome: Type.String({
    description: 'fired, or what blocked the rule: event_type, condition_false, condition_error, late, window_not_reached, already_fired, sequence_incomplete, waiting, cancelled, no_change, deduped, quiet_hours, capped, rate_limited, overflow, disabled',
  }),
  because: Type.String({ description: 'In words, with the values seen: `where: false: event.properties.total = 12, not ≥ 30`' }),
  conditions: Type.Optional(Type.Array(Type.String(), { description: 'Each check with the value it saw: `✗ event.properties.total = 12, not ≥ 30`' })),
  window: Type.Optional(Window),
  until: Type.Optional(Time('For waiting: when the timer is due')),
  firingId: Type.Optional(Type.String()),
  suppressions: Type.Optional(Type.Array(SuppressionAnswer)),
  trace: Type.Optional(Json('The evaluation trace')),
}, "What became of the rule on one input");

/** The fields the test endpoint adds to its answer (the older fields stay as they were). */
export const TestExplanation = {
  fired: Type.Boolean({ description: 'The rule fired on the event (the same as `matched`)' }),
  decision: Type.Optional(Answer({ outcome: Type.String(), because: Type.String(), window: Type.Optional(Window), until: Type.Optional(Time()) }, "The rule's decision on the event")),
  conditions: Type.Array(Type.String(), { description: 'Each check with the value it saw' }),
  suppressions: Type.Array(SuppressionAnswer, { description: 'What the limits stopped or delayed on the event' }),
  waiting: Type.Array(WaitingAnswer, { description: 'Timers of the rule waiting after the event (absence, delay, quiet hours)' }),
  earlier: Type.Optional(Type.Array(DecisionAnswer, { description: 'With `events`: the decision on each earlier event (and timer) too' })),
};

export const SaveWarning = Answer({
  kind: Type.Union([Type.Literal('emit_loop'), Type.Literal('group_conflict')]),
  message: Type.String({ description: '`loop-a emits x, which triggers loop-b; loop-b emits y, which triggers loop-a`' }),
  rules: Type.Array(Type.String(), { description: 'The rules involved (for a loop: the cycle, first rule repeated at the end)' }),
  group: Type.Optional(Type.String()),
}, 'Found at save; nothing is refused (the emit depth limit stays the run-time guard)');

export const SubjectExplanation = Answer({
  subject: Type.String(),
  rule: Answer({ id: Type.String(), version: Type.Integer(), enabled: Type.Boolean() }),
  from: Nullable(Time('The oldest event shown')),
  warmup: Answer({ events: Type.Integer(), fromTime: Nullable(Time()) }, "Earlier events replayed, not shown, so that windows and caps start as they were (the rule's longest window before the first event shown)"),
  decisions: Type.Array(DecisionAnswer, { description: 'Oldest first: for each event (and timer) of the subject, what became of the rule' }),
  waiting: Type.Array(WaitingAnswer),
  suppressions: Type.Array(Answer({ ...SuppressionAnswer.properties, rule: Type.String() }), { description: 'The suppressions the pipeline recorded for this subject and rule, newest first' }),
  firings: Type.Array(Json(), { description: "The rule's stored firings for this subject, newest first" }),
  truncated: Type.Boolean({ description: 'More events than were replayed: only the newest are shown' }),
}, 'Why (not)? A rule over a subject\'s recent events');

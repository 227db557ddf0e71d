// OpenAPI of the backtest and near-miss answers: what a rule would have done over stored events.
import { Type } from '@sinclair/typebox';
import { Answer, Json, Nullable, Time } from './common.ts';

const Range = (description: string) => Answer({ from: Time(), to: Time() }, description);

export const BacktestRequest = Type.Object({
  from: Type.String({ description: 'Start, inclusive: a day (2026-11-01, its 00:00 UTC) or an ISO 8601 time' }),
  to: Type.String({ description: 'End, exclusive: a day (2026-11-08) or an ISO 8601 time' }),
  sample: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Firings to return with their traces, spread over the range; default 10' })),
}, { additionalProperties: false });

export const BacktestQuery = Type.Object({
  from: Type.String({ description: 'Start, inclusive: a day or an ISO 8601 time' }),
  to: Type.String({ description: 'End, exclusive: a day or an ISO 8601 time' }),
  sample: Type.Optional(Type.String({ description: 'Firings to return with their traces (0-100); default 10' })),
});

export const BacktestResult = Answer({
  rule: Answer({ id: Type.String(), version: Nullable(Type.Integer({ description: 'null for a draft' })) }),
  alongside: Type.Array(Type.String(), { description: 'Enabled rules of the same cap group, run in the simulation: their firings count toward the cap and are not reported' }),
  requested: Range('The range asked for'),
  covered: Nullable(Range('The range whose stored events were replayed: later than asked when retention deleted older events, earlier when the range ends in the future or the run hit its time limit; null when nothing is stored in it')),
  warmUp: Answer({ from: Time(), events: Type.Integer() }, 'Events within the rules\' longest window before `from`, replayed to build windows and caps; their firings are not reported'),
  events: Type.Integer({ description: 'Events of the range replayed (of the types the rules can match, and identify)' }),
  firings: Type.Integer(),
  subjects: Type.Integer({ description: 'Distinct subjects with a firing' }),
  suppressions: Type.Record(Type.String(), Type.Integer(), { description: 'Triggers stopped or delayed, by reason (capped, deduped, quiet_hours, rate_limited, cancelled, overflow)' }),
  perDay: Type.Array(Answer({ day: Type.String(), firings: Type.Integer() }), { description: 'Every UTC day covered, with its firings' }),
  sample: Type.Array(Answer({ id: Type.String(), subject: Type.String(), time: Time('The firing time: the trigger event\'s arrival, or the due time of the timer it fired from'), eventIds: Type.Array(Type.String()), trace: Json('Each check with the values it saw, and what each action would have done') })),
  emitsNotFedBack: Type.Integer({ description: 'Events the firings would have emitted: a backtest executes no action, so they are not fed back (events emitted in the past are in the log as stored)' }),
  late: Type.Integer({ description: 'Events later than the allowed lateness: stateful parts ignored them, as live' }),
  errors: Answer({ count: Type.Integer(), first: Type.Array(Type.String()) }, 'Run-time errors of the rule (a condition that read a missing property…)'),
  warnings: Type.Array(Type.String()),
  durationMs: Type.Integer(),
}, 'What the rule would have done; no action was executed');

export const NearMissResult = Answer({
  rule: Answer({ id: Type.String(), version: Type.Integer() }),
  day: Type.String(),
  covered: Nullable(Range('The part of the day whose stored events were replayed')),
  events: Type.Integer(),
  fired: Answer({ firings: Type.Integer(), subjects: Type.Integer() }),
  reasons: Type.Array(Answer({
    reason: Type.String({ description: 'condition_false, condition_error, window_not_reached, sequence_incomplete, waiting, cancelled, capped, deduped, quiet_hours, rate_limited…' }),
    subjects: Type.Integer(), times: Type.Integer(),
    window: Type.Optional(Answer({ median: Type.Number(), bound: Type.Number() }, 'window_not_reached: the median of each subject\'s highest window value, and the bound')),
  })),
  comparisons: Type.Array(Answer({
    comparison: Type.String({ description: 'As written: event.properties.total >= 30' }), path: Type.String(), bound: Type.Number(),
    subjects: Type.Integer({ description: 'Subjects whose condition was false because of this comparison (the first required one that failed)' }),
    median: Type.Number({ description: 'Median of each of those subjects\' value closest to passing' }),
    closest: Type.Array(Type.Number()),
  })),
  summary: Type.Array(Type.String(), { description: 'In words: "1,234 subjects stopped at `total >= 30`; median total 27"' }),
  warnings: Type.Array(Type.String()),
  cached: Type.Boolean({ description: 'A past day answered from the cache' }),
  durationMs: Type.Integer(),
}, 'Per reason, how many subjects the rule stopped that day, and how far they were from passing');

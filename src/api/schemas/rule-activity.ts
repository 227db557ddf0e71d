// OpenAPI shapes of GET /v1/rule-activity (issue 8): the rules list's activity for every rule in one answer.
import { Type } from '@sinclair/typebox';
import { Answer, Nullable, Time } from './common.ts';

export const RuleActivityQuery = Type.Object({
  hours: Type.Optional(Type.String({ description: 'Whole hours back from the end of the current hour, 1 to 168; default 24' })),
});

const Counts = Type.Array(Type.Integer(), { description: 'One count per hour, oldest first (the last is the current hour)' });
const Change = Answer({ at: Time(), actor: Type.String(), action: Type.String({ description: 'rule.save, rule.enable, rule.disable, rule.delete, rule.reshuffle' }) });

export const LiftBadgeSchema = Answer({
  status: Type.Union(['no_holdout', 'pending', 'no_goal', 'too_early', 'sample_ratio_mismatch', 'ready', 'failed'].map((s) => Type.Literal(s)), {
    description: 'no_holdout: the rule keeps no holdout; pending: not computed yet (ask again); too_early: fewer matured subjects than `minimum` in a group; sample_ratio_mismatch: the groups are not comparable; ready: verdict and lift',
  }),
  verdict: Type.Optional(Type.String({ description: 'helped, hurt, inconclusive or invalid: the always-valid (sequential) verdict' })),
  metric: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String({ description: 'conversion (lift in rate: 0.021 = +2.1 points) or value (in the goal\'s units per subject)' })),
  absolute: Type.Optional(Type.Number({ description: 'Treatment minus holdout' })),
  lower: Type.Optional(Type.Number({ description: 'The always-valid interval of `absolute`' })),
  upper: Type.Optional(Type.Number()),
  matured: Type.Optional(Answer({ control: Type.Integer(), treatment: Type.Integer() })),
  minimum: Type.Optional(Type.Integer()),
  message: Type.Optional(Type.String()),
}, 'The lift badge from the rule\'s holdout report');

export const RuleActivityItem = Answer({
  rule: Type.String(),
  firings: Counts,
  holdout: Type.Array(Type.Integer(), { description: 'Per hour: firings that went to the holdout (no action taken)' }),
  suppressed: Type.Array(Type.Integer(), { description: 'Per hour: triggers stopped or delayed by a limit (all reasons)' }),
  suppressions: Type.Record(Type.String(), Type.Integer(), { description: 'Suppressions in the period by reason (capped, quiet_hours, deduped, rate_limited, cancelled, overflow)' }),
  errors: Answer({ count: Type.Integer(), last: Nullable(Time()) }, 'Run-time errors in the period'),
  created: Nullable(Change),
  changed: Nullable(Change),
  lift: LiftBadgeSchema,
});

export const RuleActivityAnswer = Answer({
  from: Time(), to: Time(), hours: Type.Integer(),
  items: Type.Array(RuleActivityItem, { description: 'Every rule (deleted ones left out), in id order' }),
  lift: Answer({ computed: Type.Integer(), pending: Type.Integer(), ms: Type.Number() }, 'Reports computed for this answer, badges left pending, and the time they took'),
}, 'Per rule: firings per hour (treatment and holdout), suppressions, errors, who created and last changed it, and its lift badge');

// OpenAPI of the statistics calculator: POST /v1/stats/compare takes two arms' counts (conversions) or sums
// (values) and answers the same analysis a rule's report gives (src/stats/types.ts, Comparison).
import { Type } from '@sinclair/typebox';
import { Answer, Nullable } from './common.ts';

const Arm = Type.Object({
  n: Type.Integer({ minimum: 2, description: 'Subjects in the group' }),
  conversions: Type.Optional(Type.Integer({ minimum: 0, description: 'Conversion metric: subjects who converted (at most n)' })),
  sum: Type.Optional(Type.Number({ description: 'Value metric: Σy, the total value over the group' })),
  sum_squares: Type.Optional(Type.Number({ minimum: 0, description: 'Value metric: Σy², at least sum²/n' })),
  pre: Type.Optional(Type.Object({
    sum: Type.Number({ description: 'Σx of the same metric in the window before exposure' }),
    sum_squares: Type.Number({ minimum: 0, description: 'Σx²' }),
    sum_products: Type.Number({ description: 'Σxy (pre × post, per subject)' }),
  }, { additionalProperties: false, description: 'CUPED covariate: the same metric over a window of the same length before exposure' })),
}, { additionalProperties: false, description: 'Either `conversions` or `sum` and `sum_squares`, the same form in both groups' });

export const CompareRequest = Type.Object({
  control: Arm,
  treatment: Arm,
  expected_split: Type.Optional(Type.Object({
    control: Type.Number({ exclusiveMinimum: 0 }), treatment: Type.Number({ exclusiveMinimum: 0 }),
  }, { additionalProperties: false, description: 'Configured split as weights, e.g. {"control": 10, "treatment": 90}; default 1:1' })),
  alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.5, description: 'Default 0.05' })),
  higher_is_better: Type.Optional(Type.Boolean({ description: 'False for guardrails (unsubscribes): an increase is harm. Default true' })),
  sequential_tuning: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'N* of the always-valid interval; default 5000' })),
  minimum_per_arm: Type.Optional(Type.Integer({ minimum: 0, description: 'Fewer subjects in a group make the verdict `invalid`; default 100' })),
  detect_effect: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'The absolute effect "more exposures are needed to detect" names; default 10 % of the control mean' })),
}, { additionalProperties: false });

const IntervalAnswer = Answer({ lower: Type.Number(), upper: Type.Number() });
const EffectAnswer = Answer({ estimate: Type.Number(), standard_error: Type.Number(), interval: IntervalAnswer, p_value: Type.Number() });
const Group = Answer({
  exposed: Type.Integer(), converters: Type.Optional(Type.Integer()), rate: Type.Optional(Type.Number()),
  mean: Type.Number(), variance: Type.Number({ description: 'p(1 − p) for a conversion metric; the sample variance (n − 1) for values' }),
});

export const ComparisonAnswer = Answer({
  metric: Type.Union([Type.Literal('conversion'), Type.Literal('value')]),
  alpha: Type.Number(),
  groups: Answer({ control: Group, treatment: Group }),
  lift: Answer({ absolute: EffectAnswer, relative: Nullable(EffectAnswer) }, 'Fixed-horizon: treatment − control, and (treatment − control)/|control| by the delta method (null when the control mean is 0)'),
  p_value: Type.Number({ description: 'Fixed-horizon, two-sided: pooled two-proportion z-test for conversions, Welch for values' }),
  srm: Answer({ chi_square: Type.Number(), p_value: Type.Number(), flagged: Type.Boolean(), expected_control_share: Type.Number(), observed_control_share: Type.Number() }, 'Sample-ratio mismatch: flagged at p < 0.001 (with at least 8 per group)'),
  sequential: Answer({ method: Type.String(), tuning: Type.Number(), absolute: IntervalAnswer, relative: Nullable(IntervalAnswer), p_value: Type.Number(), significant: Type.Boolean() }, 'Always-valid inference: what the verdict uses'),
  cuped: Nullable(Answer({ theta: Type.Number(), variance_reduction: Type.Number(), absolute: EffectAnswer, relative: Nullable(EffectAnswer), pre_exposure_imbalance: Type.Boolean() })),
  verdict: Type.Union(['helped', 'hurt', 'inconclusive', 'invalid'].map((v) => Type.Literal(v))),
  verdict_basis: Type.Optional(Type.String({ description: 'Which effect decided the verdict' })),
  summary: Type.String({ description: 'The verdict in plain words' }),
  power: Answer({
    power: Type.Number(), mde_absolute: Type.Number(), mde_relative: Nullable(Type.Number()),
    exposures_needed: Nullable(Type.Number()), sequential_exposures_needed: Nullable(Type.Number()), for_effect_absolute: Nullable(Type.Number()),
  }),
}, 'The comparison of the two groups');

// The statistics calculator: the analysis a rule's report gives, for numbers people bring from elsewhere
// (issue 7). Pure computation (src/stats); the body's types are checked by its schema, its consistency here.
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import fp from '../plugin.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { ERRORS } from '../schemas/common.ts';
import { CompareRequest, ComparisonAnswer } from '../schemas/stats.ts';
import { compare } from '../../stats/compare.ts';
import type { ArmStats, CompareInput } from '../../stats/types.ts';

type Body = Static<typeof CompareRequest>;
type Arm = Body['control'];

/** Relative slack for Σy² ≥ (Σy)²/n: sums written with rounded decimals may fall a hair short. */
const ROUNDING = 1e-9;

/** The body as the analysis's input, or the problems, each "path: reason". */
export function compareInputOf(body: Body): { input: CompareInput } | { errors: string[] } {
  const errors: string[] = [];
  const kindOf = (name: string, arm: Arm): 'conversion' | 'value' | undefined => {
    const hasValue = arm.sum !== undefined || arm.sum_squares !== undefined;
    if (arm.conversions !== undefined && hasValue) { errors.push(`${name}: give either conversions or sum and sum_squares, not both`); return undefined; }
    if (arm.conversions !== undefined) {
      if (arm.conversions > arm.n) errors.push(`${name}.conversions: must not exceed n (${arm.conversions} > ${arm.n})`);
      return 'conversion';
    }
    if (arm.sum === undefined || arm.sum_squares === undefined) {
      errors.push(`${name}: needs conversions, or sum and sum_squares`);
      return undefined;
    }
    if (arm.sum_squares < ((arm.sum * arm.sum) / arm.n) * (1 - ROUNDING)) {
      errors.push(`${name}.sum_squares: must be at least sum²/n (${(arm.sum * arm.sum) / arm.n}); it is Σy², not the variance`);
    }
    return 'value';
  };
  const control = kindOf('control', body.control);
  const treatment = kindOf('treatment', body.treatment);
  if (control && treatment && control !== treatment) errors.push(`treatment: must use the same form as control (${control === 'conversion' ? 'conversions' : 'sum and sum_squares'})`);
  for (const [name, arm] of [['control', body.control], ['treatment', body.treatment]] as const) {
    if (arm.pre && arm.pre.sum_squares < ((arm.pre.sum * arm.pre.sum) / arm.n) * (1 - ROUNDING)) errors.push(`${name}.pre.sum_squares: must be at least pre.sum²/n`);
  }
  if (body.control.pre && !body.treatment.pre) errors.push('treatment.pre: is required when control.pre is given');
  if (!body.control.pre && body.treatment.pre) errors.push('control.pre: is required when treatment.pre is given');
  if (errors.length || !control) return { errors };
  const stats = (arm: Arm): ArmStats => (arm.conversions !== undefined
    ? { n: arm.n, sum: arm.conversions, sum_squares: arm.conversions, ...(arm.pre ? { pre: arm.pre } : {}) }
    : { n: arm.n, sum: arm.sum!, sum_squares: arm.sum_squares!, ...(arm.pre ? { pre: arm.pre } : {}) });
  return {
    input: {
      metric: control, control: stats(body.control), treatment: stats(body.treatment),
      ...(body.expected_split ? { expected_split: body.expected_split } : {}),
      ...(body.alpha !== undefined ? { alpha: body.alpha } : {}),
      ...(body.higher_is_better !== undefined ? { higher_is_better: body.higher_is_better } : {}),
      ...(body.sequential_tuning !== undefined ? { sequential_tuning: body.sequential_tuning } : {}),
      ...(body.minimum_per_arm !== undefined ? { minimum_per_arm: body.minimum_per_arm } : {}),
      ...(body.detect_effect !== undefined ? { detect_effect_absolute: body.detect_effect } : {}),
    },
  };
}

export const statsRoutes = (_deps: ApiDeps) => fp(async (app: FastifyInstance) => {
  app.post<{ Body: Body }>('/v1/stats/compare', {
    schema: {
      tags: ['stats'],
      summary: 'Compare a control and a treatment group: lift with intervals, p-value, sample-ratio check, always-valid interval, CUPED, power, and a verdict',
      body: CompareRequest,
      response: { 200: ComparisonAnswer, ...ERRORS },
    },
  }, async (request) => {
    const parsed = compareInputOf(request.body);
    if ('errors' in parsed) throw new ApiError('IFTHEN_ERR_INVALID_BODY', [parsed.errors.join('; ')]);
    return compare(parsed.input);
  });
});

// The verdict and its sentence. The sentence is built from parts (effect, interval, conclusion; or the reason it is
// invalid, or what is still needed) that are exported on their own, so the console can translate each part and
// reassemble them; the English sentence is just one assembly.
import type { MetricKind, Verdict } from './types.ts';

/** "14,000": two significant digits and thousands separators, for "about N more exposures". */
export function roundCount(n: number): string {
  if (!Number.isFinite(n)) return 'many';
  if (n < 100) return String(Math.ceil(n));
  const digits = Math.floor(Math.log10(n)) - 1;
  return (Math.round(n / 10 ** digits) * 10 ** digits).toLocaleString('en-US');
}

/** Three significant digits at most, no trailing zeros: 0.29, 12.3, 1,234. */
export function roundValue(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, 2 - magnitude);
  return Number(x.toFixed(Math.min(decimals, 10))).toLocaleString('en-US', { maximumFractionDigits: 10 });
}

const signed = (text: string, x: number) => (x > 0 ? `+${text}` : x < 0 ? `-${text.replace(/^-/, '')}` : text);

/** An absolute effect in the metric's words: "+2.1 points of conversion" or "+0.29 per subject". */
export function effectWords(metric: MetricKind, absolute: number, metricName?: string): string {
  if (metric === 'conversion') return `${signed((Math.abs(absolute) * 100).toFixed(1), absolute)} points of ${metricName ?? 'conversion'}`;
  return `${signed(roundValue(Math.abs(absolute)), absolute)} ${metricName ? `${metricName} ` : ''}per subject`;
}

/**
 * "95 % interval 0.8 to 3.4" (points for conversions); "95 % always-valid interval …" for the sequential one, so a
 * reader who also sees the narrower fixed-horizon interval knows which one the verdict used.
 */
export function intervalWords(metric: MetricKind, alpha: number, lower: number, upper: number, kind: 'fixed' | 'always-valid' = 'fixed'): string {
  const show = (x: number) => (metric === 'conversion' ? (x * 100).toFixed(1) : roundValue(x));
  return `${Math.round((1 - alpha) * 100)} % ${kind === 'always-valid' ? 'always-valid ' : ''}interval ${show(lower)} to ${show(upper)}`;
}

export function conclusionWords(verdict: Verdict): string {
  switch (verdict) {
    case 'helped': return 'the rule helps';
    case 'hurt': return 'the rule hurts';
    case 'inconclusive': return 'no detectable effect yet';
    case 'invalid': return 'the numbers cannot be trusted';
  }
}

/** "about 14,000 more exposures are needed to detect +1 point" (or "… +0.05 per subject"). */
export function neededWords(metric: MetricKind, moreExposures: number, effect: number): string {
  const what = metric === 'conversion'
    ? `${signed(roundValue(Math.abs(effect) * 100), effect)} point${Math.abs(effect * 100) === 1 ? '' : 's'}`
    : `${signed(roundValue(Math.abs(effect)), effect)} per subject`;
  return `about ${roundCount(moreExposures)} more exposures are needed to detect ${what}`;
}

/** When the subjects already suffice for `effect` and nothing was found: "… likely smaller than +1 point". */
export function enoughWords(metric: MetricKind, subjects: number, effect: number): string {
  const what = metric === 'conversion'
    ? `${signed(roundValue(Math.abs(effect) * 100), effect)} point${Math.abs(effect * 100) === 1 ? '' : 's'}`
    : `${signed(roundValue(Math.abs(effect)), effect)} per subject`;
  return `${subjects.toLocaleString('en-US')} exposures would have detected ${what} in most runs, so any effect is likely smaller`;
}

export function srmWords(expectedShare: number, observedShare: number, pValue: number): string {
  return `sample-ratio mismatch: ${(observedShare * 100).toFixed(1)} % of subjects are in the control group where ${(expectedShare * 100).toFixed(1)} % were expected (p = ${pValue.toPrecision(2)})`;
}

export function tooFewWords(control: number, treatment: number, minimum: number): string {
  return `too few matured subjects: ${control.toLocaleString('en-US')} in control and ${treatment.toLocaleString('en-US')} in treatment; at least ${minimum.toLocaleString('en-US')} per group are needed`;
}

/** Which effect decides: said once so the report and the calculator say the same. */
export const VERDICT_BASIS = 'the always-valid (sequential) interval of the absolute difference, without CUPED; the relative lift, whose interval is wider, does not decide';

// Numbers of the report in the goal's own units, in the page's language: conversions in points (percentage points;
// "%p" in Korean), values in the goal's units; rates as percentages. All through react-intl, so both locales format.
import { useMemo } from 'react';
import { useIntl, type FormatNumberOptions } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import type { MetricKind } from './types.ts';

export function useReportFormat() {
  const intl = useIntl();
  const t = useT();
  return useMemo(() => {
    const signed = (x: number, digits: FormatNumberOptions) => intl.formatNumber(x, { signDisplay: 'exceptZero', ...digits });
    const valueDigits: FormatNumberOptions = { maximumSignificantDigits: 3 };
    const points: FormatNumberOptions = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
    // A value difference to the precision of its scale (`ref`, e.g. the interval's larger end), so that the ends of
    // one interval read alike: "-0.1 to +16.8", not "-0.0792 to +16.8".
    const scaled = (ref: number): FormatNumberOptions => {
      const r = Math.abs(ref);
      return { maximumFractionDigits: r > 0 && Number.isFinite(r) ? Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(r)))) : 2 };
    };
    return {
      /** A difference: "+2.1 points" for conversions, "+0.29" for values (to the precision of `ref`, default itself). */
      effect: (kind: MetricKind, x: number, ref = x) => (kind === 'conversion'
        ? t('report.unit.points', { value: signed(x * 100, points) })
        : signed(x, scaled(ref))),
      /** An interval's end, without the unit (the sentence names it once). */
      bound: (kind: MetricKind, x: number, ref = x) => (kind === 'conversion' ? signed(x * 100, points) : signed(x, scaled(ref))),
      /** A group's level: "20.0 %" conversion rate, or a mean value per subject. */
      level: (kind: MetricKind, x: number) => (kind === 'conversion'
        ? intl.formatNumber(x, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
        : intl.formatNumber(x, valueDigits)),
      relative: (x: number) => intl.formatNumber(x, { style: 'percent', signDisplay: 'exceptZero', maximumFractionDigits: Math.abs(x) < 0.1 ? 1 : 0 }),
      /** A configured percent: "50%", "12.5%". */
      percent: (x: number) => intl.formatNumber(x / 100, { style: 'percent', maximumFractionDigits: 2 }),
      share: (x: number) => intl.formatNumber(x, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }),
      count: (n: number) => intl.formatNumber(n),
      /** "about 14,000": two significant digits, as the server's sentence rounds. */
      about: (n: number) => intl.formatNumber(n, { maximumSignificantDigits: 2 }),
      /** A p-value with its relation: "< 0.0001" or "= 0.031" (the messages write "p {p}"). */
      p: (p: number) => (p < 0.0001 ? `< ${intl.formatNumber(0.0001, { maximumFractionDigits: 4 })}` : `= ${intl.formatNumber(p, { maximumSignificantDigits: 2 })}`),
      day: (day: string) => intl.formatDate(`${day}T00:00:00Z`, { month: 'short', day: 'numeric', timeZone: 'UTC' }),
      time: (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeStyle: 'short' }),
      date: (iso: string) => intl.formatDate(iso, { dateStyle: 'medium', timeZone: 'UTC' }),
    };
  }, [intl, t]);
}

export type ReportFormat = ReturnType<typeof useReportFormat>;

/** The scale an interval's numbers are written to: its larger end. */
export const refOf = (interval: { lower: number; upper: number }) => Math.max(Math.abs(interval.lower), Math.abs(interval.upper));

/** Where an interval lies with respect to zero: what the plain-words explanation turns on. */
export function sideOfZero(lower: number, upper: number): 'includes' | 'above' | 'below' {
  return lower > 0 ? 'above' : upper < 0 ? 'below' : 'includes';
}

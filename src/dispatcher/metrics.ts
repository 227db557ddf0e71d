// Prometheus metrics of the dispatcher; no-ops when no registry is given.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface DispatcherMetrics {
  attempt(kind: string, outcome: 'delivered' | 'retry' | 'dead', seconds: number): void;
}

const NOOP: DispatcherMetrics = { attempt() {} };

/** `inFlight` is read when the metrics are collected (not set on every start and end of an attempt). */
export function dispatcherMetrics(registry: Registry | undefined, inFlight: () => number): DispatcherMetrics {
  if (!registry) return NOOP;
  const registers = [registry];
  // A second dispatcher on the same registry (tests, restarts) shares the metrics instead of failing.
  const deliveries = (registry.getSingleMetric('ifthen_deliveries_total') as Counter<'kind' | 'outcome'> | undefined)
    ?? new Counter({ name: 'ifthen_deliveries_total', help: 'Delivery attempts by action kind and what followed (delivered, retry, dead)', labelNames: ['kind', 'outcome'], registers });
  const duration = (registry.getSingleMetric('ifthen_delivery_duration_seconds') as Histogram<'kind'> | undefined)
    ?? new Histogram({
      name: 'ifthen_delivery_duration_seconds', help: 'Duration of one delivery attempt', labelNames: ['kind'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
  const running = (registry.getSingleMetric('ifthen_deliveries_in_flight') as Gauge | undefined)
    ?? new Gauge({ name: 'ifthen_deliveries_in_flight', help: 'Delivery attempts running now', registers });
  // The latest dispatcher on the registry answers (a replaced one is stopped).
  (running as unknown as { collect(): void }).collect = () => running.set(inFlight());
  // Label lookups hash their values on every call: each (kind, outcome) child is looked up once.
  const counters = new Map<string, ReturnType<typeof deliveries.labels>>();
  const histograms = new Map<string, ReturnType<typeof duration.labels>>();
  return {
    attempt(kind, outcome, seconds) {
      const key = `${kind} ${outcome}`;
      let counter = counters.get(key);
      if (!counter) counters.set(key, counter = deliveries.labels({ kind, outcome }));
      counter.inc();
      let histogram = histograms.get(kind);
      if (!histogram) histograms.set(kind, histogram = duration.labels({ kind }));
      histogram.observe(seconds);
    },
  };
}

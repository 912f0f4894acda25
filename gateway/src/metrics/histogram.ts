import { assertLabelNames, assertMetricName, formatValue, renderLabels, SeriesMap, type Labels } from './labels';
import type { Metric, MetricOptions } from './metric';

/** Default buckets in seconds, from 1 ms to 60 s: invocations, swaps and HTTP requests all fit. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, strictly increasing; `+Inf` is implied. */
  readonly buckets?: readonly number[];
}

interface HistogramSeries {
  /** Per bucket, observations at or below its bound but above the previous one (made cumulative at render). */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations sorted into buckets per label set (Prometheus `histogram`: `_bucket`, `_sum`, `_count`). */
export class Histogram implements Metric {
  readonly type = 'histogram';
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  private readonly series: SeriesMap<HistogramSeries>;

  constructor(options: HistogramOptions) {
    assertMetricName(options.name);
    assertLabelNames(options.name, options.labelNames ?? []);
    const buckets = options.buckets ?? DEFAULT_SECONDS_BUCKETS;
    if (!buckets.length || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!)))
      throw new RangeError(`histogram '${options.name}': buckets must be finite and strictly increasing`);
    this.name = options.name;
    this.help = options.help;
    this.buckets = [...buckets];
    this.series = new SeriesMap(options.name, options.labelNames ?? []);
  }

  observe(labels: Labels, value: number): void {
    if (Number.isNaN(value)) throw new RangeError(`histogram '${this.name}': cannot observe NaN`);
    const s = this.series.get(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }

  /** Starts a timer; calling the returned function observes the seconds elapsed and returns them. */
  startTimer(labels: Labels): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe(labels, seconds);
      return seconds;
    };
  }

  /** Number of observations of a series (0 when none). */
  count(labels: Labels): number {
    return this.series.get(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 })).count;
  }

  collect(): Promise<string[]> {
    const names = this.series.labelNames;
    const lines: string[] = [];
    for (const { labels, value } of this.series.entries()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += value.counts[i]!;
        lines.push(`${this.name}_bucket${renderLabels(labels, names, ['le', formatValue(bound)])} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${renderLabels(labels, names, ['le', '+Inf'])} ${value.count}`);
      lines.push(`${this.name}_sum${renderLabels(labels, names)} ${formatValue(value.sum)}`);
      lines.push(`${this.name}_count${renderLabels(labels, names)} ${value.count}`);
    }
    return Promise.resolve(lines);
  }
}

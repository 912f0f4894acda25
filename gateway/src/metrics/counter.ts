import { assertLabelNames, assertMetricName, formatValue, renderLabels, SeriesMap, type Labels } from './labels';
import type { Metric, MetricOptions } from './metric';

/**
 * A monotonically increasing count per label set (Prometheus `counter`).
 * @example
 * ```ts
 * const requests = registry.counter({ name: 'http_requests_total', help: 'Requests.', labelNames: ['status'] });
 * requests.inc({ status: '200' });
 * ```
 */
export class Counter implements Metric {
  readonly type = 'counter';
  readonly name: string;
  readonly help: string;
  private readonly series: SeriesMap<{ value: number }>;

  constructor(options: MetricOptions) {
    assertMetricName(options.name);
    assertLabelNames(options.name, options.labelNames ?? []);
    this.name = options.name;
    this.help = options.help;
    this.series = new SeriesMap(options.name, options.labelNames ?? []);
  }

  /** Adds `amount` (default 1, never negative) to the series of `labels`. */
  inc(labels: Labels = {}, amount = 1): void {
    if (!(amount >= 0)) throw new RangeError(`counter '${this.name}' can only grow; got ${amount}`);
    this.series.get(labels, () => ({ value: 0 })).value += amount;
  }

  /** The current value of a series (0 when never incremented). */
  value(labels: Labels = {}): number {
    return this.series.get(labels, () => ({ value: 0 })).value;
  }

  collect(): Promise<string[]> {
    return Promise.resolve(
      this.series
        .entries()
        .map((e) => `${this.name}${renderLabels(e.labels, this.series.labelNames)} ${formatValue(e.value.value)}`),
    );
  }
}

import { assertLabelNames, assertMetricName, formatValue, renderLabels, SeriesMap, type Labels } from './labels';
import type { Metric, MetricOptions } from './metric';

export interface GaugeOptions extends MetricOptions {
  /**
   * Runs at every scrape before the samples are read; it sets the gauge from the source of truth
   * (e.g. the registry). Series the hook does not set again are dropped, so stale label sets vanish.
   */
  readonly collect?: (gauge: Gauge) => Promise<void>;
}

/** A value that goes up and down per label set (Prometheus `gauge`). */
export class Gauge implements Metric {
  readonly type = 'gauge';
  readonly name: string;
  readonly help: string;
  private readonly series: SeriesMap<{ value: number }>;
  private readonly hook: ((gauge: Gauge) => Promise<void>) | undefined;

  constructor(options: GaugeOptions) {
    assertMetricName(options.name);
    assertLabelNames(options.name, options.labelNames ?? []);
    this.name = options.name;
    this.help = options.help;
    this.series = new SeriesMap(options.name, options.labelNames ?? []);
    this.hook = options.collect;
  }

  set(labels: Labels, value: number): void {
    this.series.get(labels, () => ({ value: 0 })).value = value;
  }

  inc(labels: Labels = {}, amount = 1): void {
    this.series.get(labels, () => ({ value: 0 })).value += amount;
  }

  dec(labels: Labels = {}, amount = 1): void {
    this.inc(labels, -amount);
  }

  value(labels: Labels = {}): number {
    return this.series.get(labels, () => ({ value: 0 })).value;
  }

  async collect(): Promise<string[]> {
    if (this.hook) {
      this.series.clear();
      await this.hook(this);
    }
    return this.series
      .entries()
      .map((e) => `${this.name}${renderLabels(e.labels, this.series.labelNames)} ${formatValue(e.value.value)}`);
  }
}

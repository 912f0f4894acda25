import { Counter } from './counter';
import { Gauge, type GaugeOptions } from './gauge';
import { Histogram, type HistogramOptions } from './histogram';
import { escapeHelp } from './labels';
import type { Metric, MetricOptions } from './metric';

/** The media type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A small Prometheus registry: counters, gauges (optionally computed at scrape time) and
 * histograms, rendered in the text exposition format 0.0.4.
 * @example
 * ```ts
 * const metrics = new MetricsRegistry();
 * const hits = metrics.counter({ name: 'hits_total', help: 'Hits.' });
 * hits.inc();
 * const text = await metrics.render();
 * ```
 */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  counter(options: MetricOptions): Counter {
    return this.register(new Counter(options));
  }

  gauge(options: GaugeOptions): Gauge {
    return this.register(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.register(new Histogram(options));
  }

  /** Adds a metric family; its name must be unique in this registry. */
  register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new TypeError(`metric '${metric.name}' is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** All families in registration order, in the text format, ending with a line feed. */
  async render(): Promise<string> {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      const samples = await m.collect();
      out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...samples);
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }
}

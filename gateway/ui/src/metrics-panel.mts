import { ApiError, type Api } from './api.mjs';
import { lineChart } from './chart.mjs';
import { h, replace, type View } from './dom.mjs';
import { formatRate, formatSeconds } from './format.mjs';
import { MetricHistory, quantileBetween, rateBetween, sumOf, type Scrape } from './metric-history.mjs';
import { parsePrometheusText } from './prom-text.mjs';

/** How often the page scrapes the gateway's /metrics. */
export const SCRAPE_INTERVAL_MS = 5_000;

/**
 * Scrapes the gateway's `/metrics` every few seconds while a view listens, keeping the last five
 * minutes: rates and latency quantiles come from the differences between scrapes, as Prometheus
 * computes them. One per page, so the history outlives a change of view.
 */
export class MetricsPoller {
  readonly history = new MetricHistory(Math.ceil((5 * 60_000) / SCRAPE_INTERVAL_MS) + 1);
  private readonly listeners = new Set<(error?: ApiError) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private error: ApiError | undefined;

  constructor(private readonly api: Api) {}

  /** Calls `listener` after each scrape (with the error when it failed) until the returned function is called. */
  listen(listener: (error?: ApiError) => void): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) void this.scrape();
    else listener(this.error);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private async scrape(): Promise<void> {
    this.timer = setTimeout(() => void this.scrape(), SCRAPE_INTERVAL_MS);
    try {
      const text = await this.api.text('/metrics');
      this.history.add({ at: Date.now(), samples: parsePrometheusText(text) });
      this.error = undefined;
    } catch (e) {
      this.error = e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e));
    }
    for (const listener of this.listeners) listener(this.error);
  }
}

/** Invocation rate and latency, swaps and processes of one application, from the gateway's metrics. */
export class MetricsPanel implements View {
  readonly element = h('section', { class: 'charts' });
  private readonly stop: () => void;

  constructor(
    poller: MetricsPoller,
    private readonly app: string,
    private readonly onFigures: (figures: { rate?: number; p95?: number }) => void,
  ) {
    this.stop = poller.listen((error) => this.render(poller.history, error));
  }

  dispose(): void {
    this.stop();
  }

  private render(history: MetricHistory, error?: ApiError): void {
    if (error && history.size === 0) {
      const why =
        error.status === 403
          ? 'this token may not read the metrics (it needs the metrics or admin scope)'
          : `the metrics cannot be read: ${error.message}`;
      replace(this.element, h('p', { class: 'notice' }, `Charts unavailable: ${why}.`));
      return;
    }
    const app = { app: this.app };
    const invocations = 'praas_gateway_invocations_total';
    const latency = 'praas_gateway_invocation_duration_seconds';
    const rate = (match: Record<string, string>) => (p: Scrape, c: Scrape) => rateBetween(p, c, invocations, match);
    const quantile = (q: number) => (p: Scrape, c: Scrape) => quantileBetween(q, p, c, latency, app);
    const swaps = (direction: string) => (p: Scrape, c: Scrape) =>
      rateBetween(p, c, 'praas_gateway_swaps_total', { ...app, direction, outcome: 'ok' });
    const processes = (status: string) => (s: Scrape) => sumOf(s.samples, 'praas_processes', { ...app, status });
    const ok = history.series(rate({ ...app, outcome: 'ok' }));
    const p95 = history.series(quantile(0.95));
    this.onFigures({ rate: ok.at(-1)?.v, p95: p95.at(-1)?.v });
    replace(
      this.element,
      lineChart({
        title: 'Invocations through the gateway',
        format: formatRate,
        series: [
          { name: 'ok', points: ok, tone: 1 },
          { name: 'failed', points: history.series(rate({ ...app, outcome: '!ok' })), tone: 4 },
        ],
      }),
      lineChart({
        title: 'Invocation latency',
        format: formatSeconds,
        series: [
          { name: 'p50', points: history.series(quantile(0.5)), tone: 2 },
          { name: 'p95', points: p95, tone: 3 },
        ],
      }),
      lineChart({
        title: 'Explicit swaps',
        format: formatRate,
        series: [
          { name: 'out', points: history.series(swaps('out')), tone: 3 },
          { name: 'in', points: history.series(swaps('in')), tone: 2 },
        ],
      }),
      lineChart({
        title: 'Processes',
        format: (v) => String(Math.round(v)),
        series: [
          { name: 'active', points: history.gauge(processes('active')), tone: 1 },
          { name: 'swapped', points: history.gauge(processes('swapped')), tone: 2 },
        ],
      }),
    );
  }
}

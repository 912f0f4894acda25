import { appPath, type Api, type App, type ProcessInfo, type TimerDetailsPage } from './api.mjs';
import { h, replace, type View } from './dom.mjs';
import { formatRate, formatSeconds } from './format.mjs';
import { HostsPanel } from './hosts-panel.mjs';
import { MetricsPanel, type MetricsPoller } from './metrics-panel.mjs';
import { ProcessWatch } from './process-watch.mjs';
import { ProcessesTable } from './processes-table.mjs';

/** The page of one application: figures, charts, its processes (live) and its hosts. */
export class AppView implements View {
  readonly element = h('div', { class: 'view app-view' });
  private readonly watch: ProcessWatch;
  private readonly metrics: MetricsPanel;
  private readonly hosts: HostsPanel;
  private readonly figures = {
    processes: figure('Processes'),
    active: figure('Active'),
    swapped: figure('Swapped out'),
    hosts: figure('Hosts'),
    rate: figure('Invocations'),
    p95: figure('Latency p95'),
    timers: figure('Pending timers'),
  };
  private readonly abort = new AbortController();

  constructor(
    private readonly api: Api,
    app: App,
    poller: MetricsPoller,
    private readonly toast: (text: string, error?: boolean) => void,
  ) {
    const table = new ProcessesTable(
      app.name,
      (pid) => void this.swap(app.name, pid),
      (all) => this.count(all),
    );
    this.watch = new ProcessWatch(api, app.name, table);
    this.metrics = new MetricsPanel(poller, app.name, ({ rate, p95 }) => {
      this.figures.rate.set(formatRate(rate));
      this.figures.p95.set(formatSeconds(p95));
    });
    this.hosts = new HostsPanel(api, app.name, (n) => this.figures.hosts.set(String(n)));
    replace(
      this.element,
      h(
        'header',
        { class: 'view-head' },
        h('h1', {}, app.name),
        h(
          'p',
          { class: 'muted' },
          app.processClasses.length ? `classes ${app.processClasses.join(', ')}` : 'classes come with its hosts',
          app.version === undefined ? ' · local module' : ` · code v${app.version}`,
        ),
      ),
      (app.codeErrors ?? []).map((e) =>
        h('p', { class: 'notice error' }, `Host ${e.host} cannot load code v${e.version}: ${e.message}`),
      ),
      h(
        'section',
        { class: 'figures' },
        Object.values(this.figures).map((f) => f.element),
      ),
      this.metrics.element,
      table.element,
      this.hosts.element,
    );
    void this.countTimers(app.name);
  }

  /**
   * The application's pending timers, from one page of them: exact up to a page, `100+` beyond.
   * A count of all would read every timer; one page costs what a page costs.
   */
  private async countTimers(app: string): Promise<void> {
    try {
      const page = await this.api.json<TimerDetailsPage>(
        'GET',
        `${appPath(app, 'timers')}?limit=100`,
        this.abort.signal,
      );
      this.figures.timers.set(page.cursor === undefined ? String(page.timers.length) : `${page.timers.length}+`);
    } catch (e) {
      // The figure says it could not be read; why is on hover.
      if (!this.abort.signal.aborted) this.figures.timers.set('–', `unavailable: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    this.abort.abort();
    this.watch.stop();
    this.metrics.dispose();
    this.hosts.dispose();
  }

  private count(all: ReadonlyMap<string, ProcessInfo>): void {
    let active = 0;
    let swapped = 0;
    for (const p of all.values()) {
      if (p.status === 'active') active++;
      else if (p.status === 'swapped') swapped++;
    }
    this.figures.processes.set(String(all.size));
    this.figures.active.set(String(active));
    this.figures.swapped.set(String(swapped));
  }

  private async swap(app: string, pid: string): Promise<void> {
    try {
      await this.api.fetch('POST', appPath(app, 'processes', pid, 'swap'));
      this.toast(`${pid} swapped out`);
    } catch (e) {
      this.toast(`Swapping ${pid} out failed: ${(e as Error).message}`, true);
    }
  }
}

/** One figure card: a label and a value that changes. */
function figure(label: string): { element: HTMLElement; set(value: string, title?: string): void } {
  const value = h('strong', {}, '–');
  return {
    element: h('div', { class: 'figure', 'data-figure': label.toLowerCase() }, h('span', {}, label), value),
    set: (v, title) => {
      value.textContent = v;
      if (title === undefined) value.removeAttribute('title');
      else value.title = title;
    },
  };
}

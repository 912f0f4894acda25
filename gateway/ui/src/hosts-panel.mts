import { appPath, type Api, type HostInfo } from './api.mjs';
import { h, replace, type View } from './dom.mjs';
import { formatAgo, formatBytes } from './format.mjs';

const REFRESH_MS = 5_000;

/** The application's runtime hosts: processes held, memory against its budget, last heartbeat. Refreshed every few seconds. */
export class HostsPanel implements View {
  readonly element = h('section', { class: 'card hosts' });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly api: Api,
    private readonly app: string,
    private readonly onCount: (hosts: number) => void,
  ) {
    replace(this.element, h('h2', {}, 'Hosts'), h('p', { class: 'muted' }, 'loading…'));
    void this.refresh();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private async refresh(): Promise<void> {
    try {
      const { hosts } = await this.api.json<{ hosts: HostInfo[] }>(
        'GET',
        appPath(this.app, 'hosts'),
        this.abort.signal,
      );
      this.onCount(hosts.length);
      this.render(hosts);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      replace(
        this.element,
        h('h2', {}, 'Hosts'),
        h('p', { class: 'notice' }, `Hosts unavailable: ${(e as Error).message}`),
      );
    }
    this.timer = setTimeout(() => void this.refresh(), REFRESH_MS);
  }

  private render(hosts: readonly HostInfo[]): void {
    const now = Date.now();
    const most = Math.max(1, ...hosts.map((host) => host.activeProcesses));
    const rows = hosts.map((host) =>
      h(
        'tr',
        { 'data-host': host.id },
        h('td', { class: 'mono' }, host.id),
        h('td', { class: 'num' }, meter(host.activeProcesses / most), String(host.activeProcesses)),
        h(
          'td',
          { class: 'num' },
          host.memoryBudgetBytes ? meter((host.memoryBytes ?? 0) / host.memoryBudgetBytes) : null,
          formatBytes(host.memoryBytes),
          host.memoryBudgetBytes ? h('span', { class: 'muted' }, ` / ${formatBytes(host.memoryBudgetBytes)}`) : null,
        ),
        h('td', {}, host.processClasses.join(', ') || '–'),
        h('td', { class: 'mono muted' }, host.dataAddress ?? 'NATS only'),
        h('td', { class: now - host.heartbeatAt > 10_000 ? 'stale' : 'muted' }, formatAgo(host.heartbeatAt, now)),
      ),
    );
    replace(
      this.element,
      h('h2', {}, 'Hosts ', h('span', { class: 'count' }, String(hosts.length))),
      hosts.length === 0
        ? h('p', { class: 'muted' }, 'No runtime host of this application sends heartbeats.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Host', 'Processes', 'Memory', 'Classes', 'Data plane', 'Heartbeat'].map((t) =>
                  h('th', { class: t === 'Processes' || t === 'Memory' ? 'num' : undefined }, t),
                ),
              ),
            ),
            h('tbody', {}, rows),
          ),
    );
  }
}

/** A small horizontal bar for a share from 0 to 1 (above 1: over budget). */
function meter(share: number): HTMLElement {
  const bar = h('span', { class: share > 1 ? 'meter over' : 'meter' }, h('span', {}));
  (bar.firstElementChild as HTMLElement).style.width = `${Math.round(Math.min(1, share) * 100)}%`;
  return bar;
}

import type { ProcessInfo } from './api.mjs';
import { appHref, h, replace, statusPill } from './dom.mjs';
import type { WatchState } from './process-watch.mjs';

/** Rows drawn at most; the filter finds the others. */
const MAX_ROWS = 250;
const STATUSES = ['active', 'swapping-in', 'swapping-out', 'swapped'] as const;

/**
 * The application's processes as the watch stream reports them: a filterable table whose rows
 * change in place (and flash) when a process changes status, host or generation.
 */
export class ProcessesTable {
  readonly element = h('section', { class: 'card processes' });
  private readonly processes = new Map<string, ProcessInfo>();
  private readonly changed = new Set<string>();
  private readonly heading = h('h2', {});
  private readonly live = h('span', { class: 'live connecting' }, 'connecting');
  private readonly filter = h('input', {
    type: 'search',
    placeholder: 'Filter by pid, class or host',
    'aria-label': 'filter',
  });
  private readonly chips = h('div', { class: 'chips' });
  private readonly body = h('tbody', {});
  private readonly footer = h('p', { class: 'muted small' });
  private status: string | undefined;
  private drawing = false;

  constructor(
    private readonly app: string,
    private readonly onSwap: (pid: string) => void,
    private readonly onChange: (processes: ReadonlyMap<string, ProcessInfo>) => void,
  ) {
    this.filter.addEventListener('input', () => this.schedule());
    replace(
      this.element,
      h('div', { class: 'card-head' }, this.heading, this.live, h('div', { class: 'grow' }), this.filter),
      this.chips,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Process', 'Class', 'Status', 'Host', 'Generation', 'Version', ''].map((t) =>
                h('th', { class: t === 'Generation' || t === 'Version' ? 'num' : undefined }, t),
              ),
            ),
          ),
          this.body,
        ),
      ),
      this.footer,
    );
  }

  reset(): void {
    this.processes.clear();
    this.schedule();
  }

  put(process: ProcessInfo): void {
    const before = this.processes.get(process.pid);
    if (
      before &&
      (before.status !== process.status || before.host !== process.host || before.generation !== process.generation)
    )
      this.changed.add(process.pid);
    this.processes.set(process.pid, process);
    this.schedule();
  }

  deleted(process: ProcessInfo): void {
    this.processes.delete(process.pid);
    this.schedule();
  }

  state(state: WatchState, detail?: string): void {
    this.live.className = `live ${state}`;
    this.live.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting' : 'reconnecting';
    this.live.title = detail ?? '';
  }

  /** Draws once per frame however many events came in it. */
  private schedule(): void {
    if (this.drawing) return;
    this.drawing = true;
    requestAnimationFrame(() => {
      this.drawing = false;
      this.draw();
    });
  }

  private draw(): void {
    const all = [...this.processes.values()];
    this.onChange(this.processes);
    replace(this.heading, 'Processes ', h('span', { class: 'count' }, String(all.length)));
    const counts = new Map<string, number>();
    for (const p of all) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
    const chip = (status: string | undefined, label: string, n: number): HTMLElement =>
      h(
        'button',
        {
          class: `chip ${this.status === status ? 'on' : ''} ${status ? `status-${status}` : ''}`,
          onclick: () => {
            this.status = status;
            this.draw();
          },
        },
        label,
        h('b', {}, String(n)),
      );
    replace(
      this.chips,
      chip(undefined, 'all', all.length),
      STATUSES.filter((s) => counts.has(s) || s === 'active' || s === 'swapped').map((s) =>
        chip(s, s, counts.get(s) ?? 0),
      ),
    );
    const needle = this.filter.value.trim().toLowerCase();
    const shown = all
      .filter((p) => this.status === undefined || p.status === this.status)
      .filter(
        (p) => needle === '' || [p.pid, p.processClass, p.host ?? ''].some((f) => f.toLowerCase().includes(needle)),
      )
      .sort((a, b) => (a.pid < b.pid ? -1 : a.pid > b.pid ? 1 : 0));
    replace(
      this.body,
      shown.slice(0, MAX_ROWS).map((p) => this.row(p)),
    );
    this.changed.clear();
    this.footer.textContent =
      all.length === 0
        ? 'No processes yet: create one with POST /v1/apps/' + this.app + '/processes or praas-framework invoke.'
        : shown.length > MAX_ROWS
          ? `Showing ${MAX_ROWS} of ${shown.length}; narrow the filter to see the others.`
          : `${shown.length} shown`;
  }

  private row(p: ProcessInfo): HTMLElement {
    return h(
      'tr',
      { 'data-pid': p.pid, 'data-status': p.status, class: this.changed.has(p.pid) ? 'changed' : undefined },
      h('td', { class: 'mono' }, h('a', { href: appHref(p.app, p.pid) }, p.pid)),
      h('td', {}, p.processClass),
      h('td', { class: 'status' }, statusPill(p.status)),
      h('td', { class: 'mono muted' }, p.host ?? '–'),
      h('td', { class: 'num' }, String(p.generation)),
      p.upgradeError
        ? h(
            'td',
            {
              class: 'num error',
              'data-upgrade-error': p.upgradeError.code,
              title: `stays on v${p.version ?? '?'}: upgrade to v${p.upgradeError.version} failed: ${p.upgradeError.code}: ${p.upgradeError.message}`,
            },
            `v${p.version ?? '?'} ⚠`,
          )
        : h('td', { class: 'num' }, p.version === undefined ? '–' : `v${p.version}`),
      h(
        'td',
        { class: 'actions' },
        p.status === 'active'
          ? h(
              'button',
              {
                class: 'small',
                title: 'Swap this process out to the object store now',
                onclick: () => this.onSwap(p.pid),
              },
              'swap out',
            )
          : null,
      ),
    );
  }
}

import { appPath, type Api, type TimerDetails, type TimerDetailsPage } from './api.mjs';
import { h, replace } from './dom.mjs';
import { formatBytes } from './format.mjs';

/** The page size of the panel: a process with more timers shows the first ones and says so. */
const PAGE_LIMIT = 100;

/**
 * The durable timers of one process on its page: the next due first, with schedule, attempts, the
 * host holding a firing and the payload size (never the payload), and a button to cancel each.
 * Read when the page opens, after a cancel, and on Refresh.
 */
export class TimersPanel {
  readonly element = h('section', { class: 'card timers' });
  private loading = 0;

  constructor(
    private readonly api: Api,
    private readonly app: string,
    private readonly pid: string,
    private readonly signal: AbortSignal,
    private readonly toast: (text: string, error?: boolean) => void,
  ) {
    this.draw(undefined);
    void this.load();
  }

  async load(): Promise<void> {
    const ticket = ++this.loading;
    try {
      const page = await this.api.json<TimerDetailsPage>(
        'GET',
        `${appPath(this.app, 'processes', this.pid, 'timers')}?limit=${PAGE_LIMIT}`,
        this.signal,
      );
      if (ticket === this.loading) this.draw(page);
    } catch (e) {
      if (this.signal.aborted || ticket !== this.loading) return;
      replace(
        this.element,
        this.head(undefined),
        h('p', { class: 'notice error' }, `Timers unavailable: ${(e as Error).message}`),
      );
    }
  }

  private head(count: string | undefined): HTMLElement {
    return h(
      'div',
      { class: 'card-head' },
      h('h3', {}, 'Timers ', h('span', { class: 'count', 'data-timer-count': count ?? '' }, count ?? '…')),
      h('div', { class: 'grow' }),
      h('button', { onclick: () => void this.load() }, 'Refresh timers'),
    );
  }

  private draw(page: TimerDetailsPage | undefined): void {
    if (page === undefined) {
      replace(this.element, this.head(undefined), h('p', { class: 'muted' }, 'loading…'));
      return;
    }
    const timers = [...page.timers].sort((a, b) => a.dueAtMs - b.dueAtMs);
    const count = page.cursor === undefined ? String(timers.length) : `${timers.length}+`;
    const now = Date.now();
    replace(
      this.element,
      this.head(count),
      timers.length === 0
        ? h('p', { class: 'muted' }, 'No timers: nothing scheduled with ctx.schedule or a schedule() trigger.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Timer', 'Function', 'Next due', 'Schedule', 'Attempt', 'Held by', 'Payload', ''].map((t) =>
                  h('th', {}, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              timers.map((t) =>
                h(
                  'tr',
                  { 'data-timer': t.id },
                  h('td', { class: 'mono' }, t.id),
                  h('td', { class: 'mono' }, t.fn),
                  h('td', { title: t.dueAt, 'data-due': t.dueAt }, dueText(t.dueAtMs, now)),
                  h('td', { class: 'mono' }, scheduleText(t)),
                  h('td', { class: 'num', 'data-attempt': t.attempt }, String(t.attempt)),
                  h('td', { class: 'mono muted' }, t.lease ? `${t.lease.holder} until ${time(t.lease.untilMs)}` : '–'),
                  h('td', { class: 'num muted' }, formatBytes(t.payloadBytes)),
                  h('td', {}, h('button', { class: 'small', onclick: () => void this.cancel(t) }, 'Cancel')),
                ),
              ),
            ),
          ),
      page.cursor === undefined
        ? null
        : h('p', { class: 'muted small' }, `The first ${PAGE_LIMIT} shown; praas-framework timers lists them all.`),
    );
  }

  private async cancel(t: TimerDetails): Promise<void> {
    try {
      await this.api.fetch('DELETE', appPath(this.app, 'processes', this.pid, 'timers', t.id), this.signal);
      this.toast(`timer ${t.id} cancelled`);
    } catch (e) {
      this.toast(`Cancelling ${t.id} failed: ${(e as Error).message}`, true);
    }
    await this.load();
  }
}

function time(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** When a timer is due, from now: `in 4 min (2026-01-01 03:00:00 UTC)`, or how late it is. */
function dueText(at: number, now: number): string {
  const s = Math.round((at - now) / 1000);
  const abs = Math.abs(s);
  const span =
    abs < 60
      ? `${abs} s`
      : abs < 3600
        ? `${Math.round(abs / 60)} min`
        : abs < 86_400
          ? `${Math.round(abs / 3600)} h`
          : `${Math.round(abs / 86_400)} d`;
  return `${s >= 0 ? `in ${span}` : `${span} overdue`} (${time(at)})`;
}

function scheduleText(t: TimerDetails): string {
  const s = t.schedule;
  const what =
    s.kind === 'at' ? 'once' : s.kind === 'every' ? `every ${s.everyMs / 1000} s` : `cron ${s.cron} (${s.tz})`;
  return s.catchUp === 'skip' ? `${what}, missed ones skipped` : what;
}

import { appPath, ApiError, type Api, type Inspection, type InspectedValue, type ProcessInfo } from './api.mjs';
import { appHref, h, replace, statusPill, type View } from './dom.mjs';
import { formatAgo, formatBytes } from './format.mjs';
import { ProcessWatch } from './process-watch.mjs';
import { TimersPanel } from './timers-panel.mjs';

/**
 * The page of one process: its record, live from the watch stream, and the inspector (its @State
 * fields, keyed state, mailbox and pending triggers), read again whenever the process changes
 * status or generation. A swapped-out process is read from its snapshot, not swapped in. Below
 * them, its durable timers (`TimersPanel`).
 */
export class ProcessView implements View {
  readonly element = h('div', { class: 'view process-view' });
  private readonly head = h('header', { class: 'view-head' });
  private readonly facts = h('dl', { class: 'facts card' });
  private readonly inspector = h('section', { class: 'inspector' });
  private readonly watch: ProcessWatch;
  private readonly abort = new AbortController();
  private readonly timers: TimersPanel;
  private process: ProcessInfo | undefined;
  private inspecting = 0;

  constructor(
    private readonly api: Api,
    private readonly app: string,
    private readonly pid: string,
    private readonly toast: (text: string, error?: boolean) => void,
    /** Asks for another token (the sign-in form); offered when this one may not inspect state. */
    private readonly switchToken: (reason: string) => void,
  ) {
    replace(
      this.element,
      h(
        'nav',
        { class: 'crumbs' },
        h('a', { href: appHref(app) }, app),
        ' / processes / ',
        h('span', { class: 'mono' }, pid),
      ),
      this.head,
      this.facts,
      this.inspector,
    );
    this.timers = new TimersPanel(api, app, pid, this.abort.signal, toast);
    this.element.append(this.timers.element);
    this.drawHead();
    this.watch = new ProcessWatch(api, app, {
      reset: () => undefined,
      put: (p) => {
        if (p.pid !== pid) return;
        const before = this.process;
        this.process = p;
        this.drawHead();
        if (!before || before.status !== p.status || before.generation !== p.generation) void this.inspect();
      },
      deleted: (p) => {
        if (p.pid !== pid) return;
        this.process = { ...p, status: 'deleted' };
        this.drawHead();
      },
      state: () => undefined,
    });
    void this.load();
  }

  /** The record now, in case the watch is slow to list it, and a clear answer when there is no such process. */
  private async load(): Promise<void> {
    try {
      const p = await this.api.json<ProcessInfo>('GET', appPath(this.app, 'processes', this.pid), this.abort.signal);
      if (this.process) return;
      this.process = p;
      this.drawHead();
      void this.inspect();
    } catch (e) {
      if (this.abort.signal.aborted) return;
      replace(this.inspector, h('p', { class: 'notice error' }, (e as Error).message));
    }
  }

  dispose(): void {
    this.watch.stop();
    this.abort.abort();
  }

  private drawHead(): void {
    const p = this.process;
    replace(
      this.head,
      h('h1', { class: 'mono' }, this.pid),
      p ? statusPill(p.status) : h('span', { class: 'muted' }, 'loading…'),
      h('div', { class: 'grow' }),
      h('button', { onclick: () => void this.inspect() }, 'Refresh state'),
      p?.status === 'active' ? h('button', { class: 'primary', onclick: () => void this.swap() }, 'Swap out') : null,
    );
    if (!p) return;
    const fact = (term: string, value: string, mono = false): HTMLElement[] => [
      h('dt', {}, term),
      h('dd', { class: mono ? 'mono' : undefined, 'data-fact': term.toLowerCase() }, value),
    ];
    replace(
      this.facts,
      fact('Class', p.processClass),
      fact('Status', p.status),
      fact('Host', p.host ?? '– (not active)', true),
      fact('Generation', String(p.generation)),
      fact(
        'Version',
        p.version === undefined
          ? 'local module'
          : `v${p.version}${p.stateVersion === undefined ? '' : ` (state version ${p.stateVersion})`}`,
      ),
      ...(p.upgradeError
        ? fact(
            'Upgrade',
            `stays on v${p.version ?? '?'}: upgrade to v${p.upgradeError.version} failed: ${p.upgradeError.code}: ${p.upgradeError.message}`,
          )
        : []),
      fact('Address', p.address, true),
    );
  }

  private async inspect(): Promise<void> {
    const ticket = ++this.inspecting;
    try {
      const state = await this.api.json<Inspection>(
        'GET',
        appPath(this.app, 'processes', this.pid, 'state'),
        this.abort.signal,
      );
      if (ticket === this.inspecting) this.drawInspection(state);
    } catch (e) {
      if (this.abort.signal.aborted || ticket !== this.inspecting) return;
      if (e instanceof ApiError && e.status === 403) this.drawNeedsAdmin(e);
      else replace(this.inspector, h('p', { class: 'notice error' }, `State unavailable: ${(e as Error).message}`));
    }
  }

  /** A 403 is not a failure of the page: inspection is for admin tokens only, and this one is not. */
  private drawNeedsAdmin(e: ApiError): void {
    const reason = "Inspecting a process's state needs a token with the 'admin' scope.";
    replace(
      this.inspector,
      h(
        'div',
        { class: 'notice needs-admin', 'data-needs': 'admin' },
        h('p', {}, h('strong', {}, 'State inspection needs an admin token. ')),
        h(
          'p',
          {},
          "A process's state (its fields, keyed state and unread messages) is shown to tokens with the ",
          h('code', {}, 'admin'),
          ' scope only. This token may see the process and operate it, not read its state.',
        ),
        h('p', { class: 'muted small' }, `The gateway said: ${e.message}`),
        h('button', { onclick: () => this.switchToken(reason) }, 'Sign in with an admin token'),
      ),
    );
  }

  private drawInspection(state: Inspection): void {
    const source =
      state.source === 'live'
        ? 'read from the live process'
        : state.source === 'snapshot'
          ? `read from snapshot generation ${state.generation}, without swapping it in`
          : 'no snapshot committed yet';
    replace(
      this.inspector,
      h(
        'div',
        { class: 'card-head' },
        h('h2', {}, 'State'),
        h('span', { class: `source source-${state.source}`, 'data-source': state.source }, state.source),
        h('span', { class: 'muted small' }, `${source} · ${formatAgo(state.takenAt, Date.now())}`),
      ),
      values('Fields', 'field', state.fields, 'No @State fields.'),
      values('Keyed state', 'key', state.keyed, 'Nothing stored with ctx.state.set.'),
      h(
        'div',
        { class: 'card' },
        h(
          'h3',
          {},
          'Mailbox ',
          h('span', { class: 'count', 'data-mailbox-depth': state.mailbox.depth }, String(state.mailbox.depth)),
        ),
        state.mailbox.head.length === 0
          ? h('p', { class: 'muted' }, 'No unread messages.')
          : table(
              ['From', 'Key', 'Message', 'Size'],
              state.mailbox.head.map((m) => [
                h('span', { class: 'mono' }, m.from),
                m.key,
                preview(m),
                formatBytes(m.bytes),
              ]),
            ),
      ),
      h(
        'div',
        { class: 'card' },
        h('h3', {}, 'Pending triggers ', h('span', { class: 'count' }, String(state.triggers.length))),
        state.triggers.length === 0
          ? h('p', { class: 'muted' }, 'No partial multi-source or batch accumulation.')
          : table(
              ['Function', 'Key', 'Messages', 'Waiting since'],
              state.triggers.map((t) => [t.fn, t.key ?? '(batch)', String(t.count), formatAgo(t.firstAt, Date.now())]),
            ),
      ),
    );
  }

  private async swap(): Promise<void> {
    try {
      await this.api.fetch('POST', appPath(this.app, 'processes', this.pid, 'swap'));
      this.toast(`${this.pid} swapped out`);
    } catch (e) {
      this.toast(`Swapping out failed: ${(e as Error).message}`, true);
    }
  }
}

function values(title: string, kind: string, list: readonly InspectedValue[], empty: string): HTMLElement {
  return h(
    'div',
    { class: 'card' },
    h('h3', {}, `${title} `, h('span', { class: 'count' }, String(list.length))),
    list.length === 0
      ? h('p', { class: 'muted' }, empty)
      : h(
          'table',
          { class: 'values' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Name', 'Value', 'Size'].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            list.map((v) =>
              h(
                'tr',
                { [`data-${kind}`]: v.name },
                h('td', { class: 'mono name' }, v.name),
                h('td', {}, preview(v)),
                h('td', { class: 'num muted' }, formatBytes(v.bytes)),
              ),
            ),
          ),
        ),
  );
}

function preview(v: { preview: string; truncated: boolean }): HTMLElement {
  return h(
    'pre',
    { class: 'preview' },
    v.preview,
    v.truncated ? h('span', { class: 'cut', title: 'cut at the limit' }, ' …') : null,
  );
}

function table(headings: readonly string[], rows: readonly (readonly (string | Node)[])[]): HTMLElement {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headings.map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((c) => h('td', {}, c)),
        ),
      ),
    ),
  );
}

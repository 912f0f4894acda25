import { Api, ApiError, type App } from './api.mjs';
import { AppView } from './app-view.mjs';
import { appHref, h, replace, type View } from './dom.mjs';
import { LoginView } from './login-view.mjs';
import { MetricsPoller } from './metrics-panel.mjs';
import { ProcessView } from './process-view.mjs';

/**
 * The dashboard (served by the gateway at /ui): a sidebar of applications and, by the URL's hash,
 * an application's page (`#/apps/{app}`) or a process's (`#/apps/{app}/processes/{pid}`).
 */
class Dashboard {
  private readonly api = new Api();
  private readonly poller = new MetricsPoller(this.api);
  private readonly appList = h('nav', { class: 'apps' });
  private readonly content = h('main', { class: 'content' });
  private readonly account = h('div', { class: 'account' });
  private readonly toasts = h('div', { class: 'toasts', role: 'status' });
  private apps: App[] = [];
  private view: View | undefined;
  /** The sign-in form is up: refusals are its to report. */
  private signingIn = false;

  constructor(root: HTMLElement) {
    replace(
      root,
      h(
        'header',
        { class: 'topbar' },
        h(
          'a',
          { class: 'brand', href: '#/' },
          h('span', { class: 'logo' }, 'P'),
          'PraaS',
          h('span', { class: 'muted' }, 'dashboard'),
        ),
        h('span', { class: 'muted gateway' }, location.host),
        h('div', { class: 'grow' }),
        this.account,
      ),
      h(
        'div',
        { class: 'layout' },
        h('aside', { class: 'sidebar' }, h('h2', {}, 'Applications'), this.appList),
        this.content,
      ),
      this.toasts,
    );
    this.api.onUnauthenticated = () => {
      if (this.signingIn) return;
      this.signIn(
        this.api.token === undefined ? undefined : 'The token was refused (revoked or mistyped?): give a valid one.',
      );
    };
    // The list is read again on each move, so applications created meanwhile show up.
    window.addEventListener('hashchange', () => void this.start());
    void this.start();
  }

  private async start(): Promise<void> {
    if (this.signingIn) return;
    try {
      await this.loadApps();
      this.route();
    } catch (e) {
      if (e instanceof ApiError && e.unauthenticated) return;
      this.show(h('p', { class: 'notice error' }, (e as Error).message));
    }
  }

  private async loadApps(): Promise<void> {
    const { apps } = await this.api.json<{ apps: App[] }>('GET', '/v1/apps');
    this.apps = apps.sort((a, b) => (a.name < b.name ? -1 : 1));
    this.drawAccount();
  }

  private signIn(reason?: string): void {
    this.signingIn = true;
    this.api.token = undefined;
    this.drawAccount();
    replace(this.appList);
    this.show(
      new LoginView(this.api, reason, () => {
        this.signingIn = false;
        void this.start();
      }),
    );
  }

  private drawAccount(): void {
    replace(
      this.account,
      this.api.token === undefined
        ? h('span', { class: 'pill open-gateway', title: 'This gateway checks no token' }, 'open gateway')
        : h('button', { class: 'ghost', onclick: () => this.signIn() }, 'Sign out'),
    );
  }

  private route(): void {
    const [, apps, app, processes, pid] = location.hash.replace(/^#/, '').split('/').map(decodeURIComponent);
    const current = apps === 'apps' ? this.apps.find((a) => a.name === app) : undefined;
    replace(
      this.appList,
      this.apps.length === 0
        ? h('p', { class: 'muted small' }, 'No applications yet.')
        : this.apps.map((a) =>
            h('a', { href: appHref(a.name), class: a.name === current?.name ? 'on' : undefined }, a.name),
          ),
    );
    if (!current) {
      const first = this.apps[0];
      if (first && apps !== 'apps') location.replace(appHref(first.name));
      else
        this.show(
          h(
            'div',
            { class: 'view' },
            h(
              'p',
              { class: 'notice' },
              apps === 'apps'
                ? `There is no application '${app}'.`
                : 'No applications yet: deploy one (praas-framework deploy) or POST /v1/apps.',
            ),
          ),
        );
      return;
    }
    if (processes === 'processes' && pid)
      this.show(new ProcessView(this.api, current.name, pid, this.toast, (reason) => this.signIn(reason)));
    else this.show(new AppView(this.api, current, this.poller, this.toast));
  }

  private show(view: View | HTMLElement): void {
    this.view?.dispose();
    this.view = view instanceof HTMLElement ? undefined : view;
    replace(this.content, view instanceof HTMLElement ? view : view.element);
  }

  private readonly toast = (text: string, error = false): void => {
    const note = h('div', { class: error ? 'toast error' : 'toast' }, text);
    this.toasts.append(note);
    setTimeout(() => note.remove(), error ? 8_000 : 3_000);
  };
}

new Dashboard(document.getElementById('app')!);

import { ApiError, type Api } from './api.mjs';
import { h, type View } from './dom.mjs';

/**
 * Asks for a token when the gateway wants one. It is checked by listing the applications, then
 * kept in sessionStorage for this tab only.
 */
export class LoginView implements View {
  readonly element: HTMLElement;

  constructor(api: Api, reason: string | undefined, onSignedIn: () => void) {
    const input = h('input', {
      type: 'password',
      name: 'token',
      autocomplete: 'off',
      placeholder: 'praas_<id>.<secret>',
      required: true,
      'aria-label': 'token',
    });
    const error = h('p', { class: 'form-error' }, reason ?? '');
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Open the dashboard');
    const form = h(
      'form',
      {
        class: 'card login',
        onsubmit: (event) => {
          event.preventDefault();
          submit.disabled = true;
          api.token = input.value.trim();
          api
            .json('GET', '/v1/apps')
            .then(onSignedIn, (e: unknown) => {
              api.token = undefined;
              error.textContent =
                e instanceof ApiError && e.unauthenticated ? 'That token is not valid here.' : (e as Error).message;
            })
            .finally(() => (submit.disabled = false));
        },
      },
      h('h1', {}, 'Sign in'),
      h(
        'p',
        { class: 'muted' },
        'This gateway needs a bearer token. The page keeps it for this tab only and sends it with each call.',
      ),
      h('label', {}, 'Token', input),
      error,
      submit,
      h(
        'p',
        { class: 'muted small' },
        'Make one with ',
        h('code', {}, 'praas-framework gateway token create --file <tokens.json> --id me --scope admin'),
        ' (or a read-only scope such as ',
        h('code', {}, 'app:<app>:read'),
        ').',
      ),
    );
    this.element = h('div', { class: 'view login-view' }, form);
    queueMicrotask(() => input.focus());
  }

  dispose(): void {}
}

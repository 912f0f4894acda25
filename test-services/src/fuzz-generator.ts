import { matchRoute, ROUTES } from '@praas/gateway';
import type { HttpRequestOptions } from './http-request';

/*
 * Requests that are each wrong in at least one way, for fuzzing a gateway's REST API: pointed at
 * an application, process and function that exist, so that only the wrongness decides the answer.
 * Used against the embedded gateway in unit tests and against gateway OS processes end to end.
 */

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
const BAD_NAMES = ['a.b', 'x'.repeat(129), '-lead', '_x', 'sp ace', '*', '>', 'é', 'a/b', '..', 'tab\t', 'null\u0000'];
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/problem+json'];
const OTHER_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'json',
];

export interface FuzzRequest {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly options: HttpRequestOptions;
}

/** Generates requests that are each wrong in at least one way, so every answer must be a 4xx. */
export class FuzzGenerator {
  /**
   * @param app an application that exists, with `pid` an active process that has a function `fn`;
   *   no generated request may change them or create anything.
   * @param limit the gateway's body limit in bytes.
   */
  constructor(
    private readonly random: () => number,
    private readonly app: string,
    private readonly pid: string,
    private readonly fn: string,
    private readonly limit: number,
  ) {}

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  private chance(p: number): boolean {
    return this.random() < p;
  }
  private text(n: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.~%!$&'()*+,;=:@"): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  private bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  private badName(): string {
    return encodeURIComponent(this.pick(BAD_NAMES));
  }
  private ghost(): string {
    return `ghost-${this.text(6, 'abcdef0123456789')}`;
  }
  private fill(template: string, name: () => string): string {
    return template.replace(/\{[a-z]+\}/g, () => name());
  }
  private junkHeaders(): Record<string, string> {
    const h: Record<string, string> = {};
    for (let i = this.int(4); i > 0; i--)
      h[`x-fuzz-${this.text(4, 'abcdef')}`] = this.text(this.int(40), 'abc XYZ 019;=,/"');
    if (this.chance(0.2)) h['accept'] = this.pick(['*/*', 'text/html', 'application/json', 'image/png']);
    return h;
  }
  /** Any body: JSON (sometimes valid), broken JSON, random bytes. */
  private anyBody(): HttpRequestOptions {
    const headers = this.junkHeaders();
    switch (this.int(4)) {
      case 0:
        return { headers };
      case 1:
        return { headers: { ...headers, 'content-type': this.pick(JSON_TYPES) }, raw: this.brokenJson() };
      case 2:
        return {
          headers: { ...headers, 'content-type': this.pick([...JSON_TYPES, ...OTHER_TYPES]) },
          raw: this.bytes(this.int(300)),
        };
      default:
        return { headers, body: this.pick([{}, [], 1, 'x', null, { name: this.badName() }]) };
    }
  }
  private brokenJson(): string {
    return this.pick(['{', '{"a":}', '[1,2', 'nul', '{"name":"x",}', "{'a':1}", '\u0000', '{"a":1}garbage', '']) || '{';
  }
  private deepJson(): string {
    const n = 200 + this.int(2_000);
    return '['.repeat(n) + ']'.repeat(n);
  }

  next(): FuzzRequest {
    const kind = this.pick([
      'unknown-route',
      'bad-method',
      'bad-name',
      'unknown-app',
      'bad-body',
      'bad-body',
      'too-large',
    ]);
    switch (kind) {
      case 'unknown-route': {
        let path: string;
        do {
          const segments = Array.from({ length: this.int(6) }, () =>
            this.chance(0.3)
              ? this.pick(['v1', 'apps', 'processes', 'invoke', 'swap', 'watch', ''])
              : this.text(this.int(12)),
          );
          path = '/' + segments.join('/') + (this.chance(0.2) ? `?${this.text(this.int(20))}` : '');
        } while (this.routes(path.split('?')[0]!));
        return { kind, method: this.pick(METHODS.filter((m) => m !== 'HEAD')), path, options: this.anyBody() };
      }
      case 'bad-method': {
        const route = this.pick(ROUTES);
        const allowed = ROUTES.filter((r) => r.template === route.template).map((r) => r.method);
        const method = this.pick([...METHODS.filter((m) => !allowed.includes(m)), 'FOO']);
        return {
          kind,
          method,
          path: this.fill(route.template, () => this.pick([this.app, this.pid, this.fn, this.ghost()])),
          options: this.anyBody(),
        };
      }
      case 'bad-name': {
        const route = this.pick(ROUTES.filter((r) => r.template.includes('{')));
        return {
          kind,
          method: route.method,
          path: this.fill(route.template, () => this.badName()),
          options: this.anyBody(),
        };
      }
      case 'unknown-app': {
        const route = this.pick(ROUTES.filter((r) => r.template.includes('{app}')));
        const path = this.fill(route.template, () => this.ghost());
        return { kind, method: route.method, path, options: this.anyBody() };
      }
      case 'bad-body':
        return this.badBody();
      default: {
        const route = this.pick(ROUTES);
        const size = this.limit + 1 + this.int(this.limit * 4);
        const path = this.fill(route.template, () => this.pick([this.app, this.pid, this.fn]));
        return {
          kind,
          method: route.method,
          path,
          options: {
            headers: { 'content-type': 'application/json' },
            raw: Buffer.alloc(size, 0x20),
            chunked: this.chance(0.5),
          },
        };
      }
    }
  }

  /** Bodies and query strings that are wrong for routes of the existing application. */
  private badBody(): FuzzRequest {
    const kind = 'bad-body';
    const wrongType = (): HttpRequestOptions =>
      this.chance(0.3)
        ? { raw: '{"a":1}' }
        : {
            headers: { 'content-type': this.pick(OTHER_TYPES) },
            raw: this.chance(0.5) ? '{"a":1}' : this.bytes(1 + this.int(100)),
          };
    const broken = (): HttpRequestOptions => ({
      headers: { 'content-type': this.pick(JSON_TYPES) },
      raw: this.chance(0.2) ? this.deepJson() : this.brokenJson(),
    });
    switch (this.int(4)) {
      case 0:
        return {
          kind,
          method: 'POST',
          path: '/v1/apps',
          options: this.pick([
            wrongType(),
            broken(),
            {
              body: this.pick([
                { name: this.app },
                { name: decodeURIComponent(this.badName()) },
                { name: 5 },
                { nom: 'x' },
                [],
                this.app,
                { name: 'x', processClasses: 'Tally' },
              ]),
            },
            {},
          ]),
        };
      case 1:
        return {
          kind,
          method: 'POST',
          path: `/v1/apps/${this.app}/processes`,
          options: this.pick([
            wrongType(),
            broken(),
            {
              body: this.pick([
                { class: 'Nope' },
                { pid: this.pid },
                { pid: 'bad.pid' },
                { resources: { cpu: 1 } },
                { color: 'red' },
                [],
                3,
                { class: 7 },
              ]),
            },
          ]),
        };
      case 2:
        return {
          kind,
          method: 'POST',
          path: `/v1/apps/${this.app}/processes/${this.pid}/messages`,
          options: this.pick([
            wrongType(),
            broken(),
            {},
            {
              body: this.pick([
                { key: 'bad key', data: 1 },
                { key: true, data: 1 },
                { key: 1.5, data: 1 },
                { data: 1 },
                { key: 'k', data: 1, extra: 1 },
                [],
              ]),
            },
          ]),
        };
      default: {
        const sticky = `?pid=${this.pid}`;
        const query = this.pick([
          sticky,
          '?timeoutMs=0',
          '?timeoutMs=abc',
          '?foo=bar',
          `${sticky}&pid=${this.pid}`,
          `?key=bad.key&pid=${this.pid}`,
          '?pid=a.b',
        ]);
        const fn = this.pick([this.fn, this.fn, 'nope', 'bad.fn']);
        const options = query === sticky && fn === this.fn ? this.pick([wrongType(), broken()]) : this.anyBody();
        return { kind, method: 'POST', path: `/v1/apps/${this.app}/invoke/${fn}${query}`, options };
      }
    }
  }

  private routes(path: string): boolean {
    for (const method of METHODS)
      try {
        matchRoute(method, path);
        return true;
      } catch (e) {
        if ((e as { code?: string }).code !== 'ROUTE_NOT_FOUND') return true;
      }
    return false;
  }
}

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { matchRoute, ROUTES } from '@praas/gateway';

/*
 * Requests that are each wrong in at least one way, for fuzzing a gateway's REST API: pointed at
 * an application, process and function that exist, so that only the wrongness decides the answer.
 * Used against the embedded gateway in unit tests and against gateway OS processes end to end.
 */

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty). */
  readonly json: unknown;
}

export interface HttpRequestOptions {
  readonly headers?: Record<string, string | string[]>;
  /** A JSON value (sent as application/json unless headers say otherwise), or raw bytes. */
  readonly body?: unknown;
  readonly raw?: Buffer | string;
  /** Send the raw body in chunks without Content-Length (chunked transfer encoding). */
  readonly chunked?: boolean;
  readonly timeoutMs?: number;
}

/** One HTTP request with node:http, on a fresh connection; fails when no answer comes in time. */
export function http(
  base: string,
  method: string,
  path: string,
  options: HttpRequestOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string | string[]> = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.raw !== undefined) payload = Buffer.from(options.raw);
  else if (options.body !== undefined) {
    payload = Buffer.from(JSON.stringify(options.body));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  // node:http chunks bodies of GET, DELETE and friends only when told to.
  if (payload)
    headers[options.chunked ? 'transfer-encoding' : 'content-length'] = options.chunked
      ? 'chunked'
      : String(payload.length);
  // With `Connection: close` (node's default without an agent) the server closes the connection
  // right after a 413 while the client may still be sending, and the client then sees EPIPE instead
  // of the answer; on a kept-alive connection the server reads the rest of the body and drops it.
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'connection')) headers['connection'] = 'keep-alive';
  const url = new URL(base);
  let answered = false;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        answered = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        req.destroy();
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path}: no answer within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    req.on('error', (e) => {
      if (answered) return;
      clearTimeout(timer);
      reject(e);
    });
    if (payload && options.chunked) {
      const size = 16 * 1024;
      let offset = 0;
      const pump = (): void => {
        while (offset < payload.length) {
          const chunk = payload.subarray(offset, offset + size);
          offset += size;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    } else req.end(payload);
  });
}

/** Small seeded PRNG (mulberry32), so a failing run can be repeated with PRAAS_FUZZ_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

/** Sends bytes that are not HTTP at all; node:http answers 400 and closes. */
export function rawGarbage(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer to garbage within 10 s'));
    }, 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', () => undefined);
    socket.end(Buffer.concat([bytes, Buffer.from('\r\n\r\n')]));
  });
}

/** What {@link fuzzGateway} should send. */
export interface FuzzGatewayOptions {
  /** Base URL of the gateway's REST API, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** Its port, for raw garbage that is not HTTP at all. */
  readonly httpPort: number;
  /** Seeds the requests (and, plus one, the garbage), so a failing run can be repeated. */
  readonly seed: number;
  readonly app: string;
  readonly pid: string;
  readonly fn: string;
  /** The gateway's body limit in bytes. */
  readonly bodyLimitBytes: number;
  readonly requests: number;
  /** How many raw garbage byte strings to send after the requests. */
  readonly garbage: number;
}

/** What {@link fuzzGateway} saw. */
export interface FuzzGatewayReport {
  /** One line per wrong answer: not a 4xx, a 4xx without `{ error: { code, message } }`, a stack trace. */
  readonly failures: string[];
  /** How many requests of each {@link FuzzRequest.kind} were sent. */
  readonly kinds: Map<string, number>;
  /** How many answers had each HTTP status. */
  readonly statuses: Map<number, number>;
}

/**
 * Sends a gateway `requests` wrong requests from a {@link FuzzGenerator} (24 at a time), then
 * `garbage` connections of random bytes, and reports every answer that is not a clean 4xx.
 */
export async function fuzzGateway(options: FuzzGatewayOptions): Promise<FuzzGatewayReport> {
  const { seed } = options;
  const generator = new FuzzGenerator(prng(seed), options.app, options.pid, options.fn, options.bodyLimitBytes);
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const statuses = new Map<number, number>();
  const requests = Array.from({ length: options.requests }, () => generator.next());
  for (let i = 0; i < requests.length; i += 24) {
    await Promise.all(
      requests.slice(i, i + 24).map(async (r) => {
        const res = await http(options.baseUrl, r.method, r.path, r.options);
        const where = `seed ${seed}, ${r.kind}: ${r.method} ${r.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
        if (!(res.status >= 400 && res.status < 500)) failures.push(where);
        else if (r.method !== 'HEAD' && res.text !== '') {
          const error = (res.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
          if (typeof error?.code !== 'string' || typeof error.message !== 'string') failures.push(where);
          if (/\n\s+at /.test(res.text)) failures.push(`stack trace: ${where}`);
        }
        kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }),
    );
  }
  const random = prng(seed + 1);
  for (let i = 0; i < options.garbage; i++) {
    const garbage = Buffer.from(
      Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
    );
    const answer = await rawGarbage(options.httpPort, garbage);
    if (!/^HTTP\/1\.1 4\d\d /.test(answer))
      failures.push(`seed ${seed}, garbage got: ${JSON.stringify(answer.slice(0, 100))}`);
  }
  return { failures, kinds, statuses };
}

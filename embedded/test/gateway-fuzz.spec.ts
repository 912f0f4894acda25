import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { matchRoute, ROUTES } from '@praas/gateway';
import { http, startGatewayStack, type GatewayStack, type HttpRequestOptions } from './support/gateway-stack';

/** Small seeded PRNG (mulberry32), so a failing run can be repeated with PRAAS_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LIMIT = 16 * 1024;
const REQUESTS = 1_200;
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

interface FuzzRequest {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly options: HttpRequestOptions;
}

/** Generates requests that are each wrong in at least one way, so every answer must be a 4xx. */
class Generator {
  constructor(private readonly random: () => number) {}

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
          path: this.fill(route.template, () => this.pick(['fuzz', 'p1', 'add', this.ghost()])),
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
        const size = LIMIT + 1 + this.int(LIMIT * 4);
        const path = this.fill(route.template, () => this.pick(['fuzz', 'p1', 'add']));
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
                { name: 'fuzz' },
                { name: decodeURIComponent(this.badName()) },
                { name: 5 },
                { nom: 'x' },
                [],
                'fuzz',
                { name: 'x', processClasses: 'Counter' },
              ]),
            },
            {},
          ]),
        };
      case 1:
        return {
          kind,
          method: 'POST',
          path: '/v1/apps/fuzz/processes',
          options: this.pick([
            wrongType(),
            broken(),
            {
              body: this.pick([
                { class: 'Nope' },
                { pid: 'p1' },
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
          path: '/v1/apps/fuzz/processes/p1/messages',
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
        const query = this.pick([
          '?pid=p1',
          '?timeoutMs=0',
          '?timeoutMs=abc',
          '?foo=bar',
          '?pid=p1&pid=p1',
          '?key=bad.key&pid=p1',
          '?pid=a.b',
        ]);
        const fn = this.pick(['add', 'add', 'nope', 'bad.fn']);
        const options = query === '?pid=p1' && fn === 'add' ? this.pick([wrongType(), broken()]) : this.anyBody();
        return { kind, method: 'POST', path: `/v1/apps/fuzz/invoke/${fn}${query}`, options };
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
function rawGarbage(port: number, bytes: Buffer): Promise<string> {
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

describe('gateway REST API under fuzzing', () => {
  let stack: GatewayStack;
  before(async () => {
    stack = await startGatewayStack({
      bodyLimitBytes: LIMIT,
      log: (message, error) => assert.fail(`${message}: ${String(error)}`),
    });
    await stack.praas.createApp('fuzz');
    await stack.praas.createProcess('fuzz', { pid: 'p1' });
  });
  after(async () => stack.close());

  it(`answers ${REQUESTS} malformed requests with a 4xx each, never a 5xx or a hang, and keeps serving`, async () => {
    const seed = Number(process.env['PRAAS_FUZZ_SEED'] ?? 20_240_601);
    const generator = new Generator(prng(seed));
    const base = stack.addresses.httpUrl;
    const kinds = new Map<string, number>();
    const statuses = new Map<number, number>();
    const requests = Array.from({ length: REQUESTS }, () => generator.next());
    const failures: string[] = [];
    for (let i = 0; i < requests.length; i += 24) {
      await Promise.all(
        requests.slice(i, i + 24).map(async (r) => {
          const res = await http(base, r.method, r.path, r.options);
          const where = `seed ${seed}, ${r.kind}: ${r.method} ${r.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
          if (!(res.status >= 400 && res.status < 500)) failures.push(where);
          else if (r.method !== 'HEAD' && res.text !== '') {
            const error = (res.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
            assert.equal(typeof error?.code, 'string', where);
            assert.equal(typeof error?.message, 'string', where);
            assert.doesNotMatch(res.text, /\n\s+at /, `no stack trace: ${where}`);
          }
          kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }),
      );
    }
    assert.deepEqual(failures, []);
    const random = prng(seed + 1);
    for (let i = 0; i < 30; i++) {
      const garbage = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
      );
      const answer = await rawGarbage(stack.addresses.httpPort, garbage);
      assert.match(answer, /^HTTP\/1\.1 4\d\d /, `garbage got: ${JSON.stringify(answer.slice(0, 100))}`);
    }
    for (const kind of ['unknown-route', 'bad-method', 'bad-name', 'unknown-app', 'bad-body', 'too-large'])
      assert.ok((kinds.get(kind) ?? 0) > 50, `kind ${kind} was generated`);
    for (const status of [400, 404, 405, 409, 413, 415]) assert.ok(statuses.has(status), `some request got ${status}`);

    assert.equal((await http(base, 'GET', '/healthz')).status, 200);
    const invoke = await http(base, 'POST', '/v1/apps/fuzz/invoke/add?pid=p1', { body: 1 });
    assert.equal(invoke.status, 200);
    assert.equal(invoke.json, 1, 'no fuzz request reached the process');
    assert.deepEqual(
      (await stack.praas.listApps()).map((a) => a.name),
      ['fuzz'],
      'no fuzz request created an application',
    );
    assert.deepEqual(
      (await stack.praas.listProcesses('fuzz')).map((p) => p.pid),
      ['p1'],
    );
    const metrics = await http(base, 'GET', '/metrics');
    assert.doesNotMatch(metrics.text, /praas_gateway_http_requests_total\{[^}]*status="5\d\d"\}/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode, type ProcessInfo } from '@praas/framework/internal';
import { Gateway } from '@praas/gateway';
import { FsSwapStore } from '@praas/runtime';
import { GatedSwapStore } from '@praas/runtime/testing';
import { createEmbedded } from '../src';
import {
  Counter,
  http,
  Ledger,
  SseReader,
  startGatewayStack,
  type GatewayStack,
  type SseEvent,
} from './support/gateway-stack';

describe('gateway REST API (on the embedded stack)', () => {
  let stack: GatewayStack;
  let base: string;
  beforeEach(async () => {
    stack = await startGatewayStack({ bodyLimitBytes: 64 * 1024 });
    base = stack.addresses.httpUrl;
  });
  afterEach(async () => stack.close());

  it('runs the application and process life cycle', async () => {
    const created = await http(base, 'POST', '/v1/apps', { body: { name: 'shop' } });
    assert.equal(created.status, 201);
    assert.equal(created.headers.location, '/v1/apps/shop');
    assert.deepEqual((created.json as { processClasses: string[] }).processClasses, ['Counter']);
    assert.equal((await http(base, 'POST', '/v1/apps', { body: { name: 'shop' } })).status, 409);
    assert.deepEqual(
      ((await http(base, 'GET', '/v1/apps')).json as { apps: { name: string }[] }).apps.map((a) => a.name),
      ['shop'],
    );
    assert.equal((await http(base, 'GET', '/v1/apps/shop')).status, 200);

    const proc = await http(base, 'POST', '/v1/apps/shop/processes', { body: { class: 'Counter', pid: 'c1' } });
    assert.equal(proc.status, 201);
    assert.equal(proc.headers.location, '/v1/apps/shop/processes/c1');
    assert.equal((proc.json as ProcessInfo).address, 'praas.shop.p.c1');
    assert.equal((proc.json as ProcessInfo).status, 'active');

    const first = await http(base, 'POST', '/v1/apps/shop/invoke/add?pid=c1', { body: 40 });
    assert.equal(first.status, 200);
    assert.equal(first.json, 40);

    const swapped = await http(base, 'POST', '/v1/apps/shop/processes/c1/swap');
    assert.equal(swapped.status, 200);
    assert.equal((swapped.json as ProcessInfo).status, 'swapped');
    const listed = (await http(base, 'GET', '/v1/apps/shop/processes')).json as { processes: ProcessInfo[] };
    assert.deepEqual(
      listed.processes.map((p) => [p.pid, p.status]),
      [['c1', 'swapped']],
    );

    // The next invocation swaps the process in transparently and sees its state.
    const again = await http(base, 'POST', '/v1/apps/shop/invoke/add', { body: 2, headers: { 'Praas-Process': 'c1' } });
    assert.equal(again.status, 200);
    assert.equal(again.json, 42);
    const got = (await http(base, 'GET', '/v1/apps/shop/processes/c1')).json as ProcessInfo;
    assert.equal(got.status, 'active');
    assert.equal(got.generation, 1);

    for (const n of [1, 2]) {
      const sent = await http(base, 'POST', '/v1/apps/shop/processes/c1/messages', { body: { key: 'note', data: n } });
      assert.equal(sent.status, 202);
    }
    assert.deepEqual((await http(base, 'POST', '/v1/apps/shop/invoke/inbox?pid=c1', { body: 2 })).json, [1, 2]);

    assert.equal((await http(base, 'DELETE', '/v1/apps/shop/processes/c1')).status, 204);
    const gone = await http(base, 'GET', '/v1/apps/shop/processes/c1');
    assert.equal(gone.status, 404);
    assert.equal((gone.json as { error: { code: string } }).error.code, 'PROCESS_NOT_FOUND');
    assert.equal((await http(base, 'DELETE', '/v1/apps/shop')).status, 204);
    assert.equal((await http(base, 'GET', '/v1/apps/shop')).status, 404);
  });

  it('invokes FaaS-style without a pid, answers undefined with 204 and maps rich results to JSON', async () => {
    await http(base, 'POST', '/v1/apps', { body: { name: 'faas' } });
    assert.equal((await http(base, 'POST', '/v1/apps/faas/invoke/add', { body: 3 })).json, 3);
    assert.equal((await http(base, 'POST', '/v1/apps/faas/invoke/add', { body: 3 })).json, 6, 'the process is reused');
    const none = await http(base, 'POST', '/v1/apps/faas/invoke/nothing');
    assert.equal(none.status, 204);
    assert.equal(none.text, '');
    assert.deepEqual((await http(base, 'POST', '/v1/apps/faas/invoke/rich')).json, {
      at: '2024-05-06T07:08:09.000Z',
      big: '1180591620717411303424',
      bytes: 'aGk=',
      floats: [0.5, 1.5],
      tags: [['k', 'v']],
    });
  });

  it('invokes without a pid on a process of the class that has the function, or of the ?class= named', async () => {
    const two = await startGatewayStack({ processes: [Counter, Ledger] });
    try {
      const url = two.addresses.httpUrl;
      await http(url, 'POST', '/v1/apps', { body: { name: 'books' } });
      await http(url, 'POST', '/v1/apps/books/processes', { body: { class: 'Counter', pid: 'c' } });
      assert.equal((await http(url, 'POST', '/v1/apps/books/invoke/record', { body: 'paid' })).json, 1);
      assert.equal((await http(url, 'POST', '/v1/apps/books/invoke/record', { body: 'sent' })).json, 2);
      const ambiguous = await http(url, 'POST', '/v1/apps/books/invoke/get');
      assert.equal(ambiguous.status, 400);
      const error = (ambiguous.json as { error: { code: string; message: string; details: object } }).error;
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, /\(Counter, Ledger\).*\?class=/);
      assert.deepEqual((await http(url, 'POST', '/v1/apps/books/invoke/get?class=Ledger')).json, ['paid', 'sent']);
      assert.equal((await http(url, 'POST', '/v1/apps/books/invoke/get?class=Counter')).json, 0);
      const wrong = await http(url, 'POST', '/v1/apps/books/invoke/record?class=Counter', { body: 'x' });
      assert.equal(wrong.status, 404);
      assert.equal((wrong.json as { error: { code: string } }).error.code, 'FUNCTION_NOT_FOUND');
      const both = await http(url, 'POST', '/v1/apps/books/invoke/get?class=Ledger&pid=c');
      assert.equal(both.status, 400);
      const listed = (await http(url, 'GET', '/v1/apps/books/processes')).json as { processes: ProcessInfo[] };
      assert.deepEqual(listed.processes.map((p) => p.processClass).sort(), ['Counter', 'Ledger']);
    } finally {
      await two.close();
    }
  });

  it('answers a swap request during a swap at once with the process as it is: swapping-out or swapping-in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'praas-gated-'));
    const store = new GatedSwapStore(new FsSwapStore(dir));
    const praas = await createEmbedded({ processes: [Counter], store, downScaling: false });
    const gateway = new Gateway({ controlPlane: praas.controlPlane, stopGraceMs: 2_000 });
    const url = (await gateway.start({ host: '127.0.0.1' })).httpUrl;
    const status = (r: { json: unknown }) => (r.json as ProcessInfo).status;
    try {
      await http(url, 'POST', '/v1/apps', { body: { name: 'busy' } });
      await http(url, 'POST', '/v1/apps/busy/processes', { body: { pid: 'p' } });
      await http(url, 'POST', '/v1/apps/busy/invoke/add?pid=p', { body: 3 });

      // A swap-out under way (its snapshot upload held): a second request does not wait for it.
      const writes = store.hold('put');
      const first = http(url, 'POST', '/v1/apps/busy/processes/p/swap');
      await writes.reached;
      const second = await http(url, 'POST', '/v1/apps/busy/processes/p/swap');
      assert.deepEqual([second.status, status(second)], [200, 'swapping-out']);
      writes.release();
      const done = await first;
      assert.deepEqual([done.status, status(done)], [200, 'swapped']);

      // A swap-in under way (its snapshot download held, for an invocation): the request does not swap it out.
      const reads = store.hold('get');
      const invoked = http(url, 'POST', '/v1/apps/busy/invoke/add?pid=p', { body: 1 });
      await reads.reached;
      const during = await http(url, 'POST', '/v1/apps/busy/processes/p/swap');
      assert.deepEqual([during.status, status(during)], [200, 'swapping-in']);
      reads.release();
      assert.equal((await invoked).json, 4);
      assert.equal(status(await http(url, 'GET', '/v1/apps/busy/processes/p')), 'active');
    } finally {
      store.releaseAll();
      await gateway.stop();
      await praas.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('negotiates the invoke encoding: application/msgpack in and out for clients that ask, JSON by default', async () => {
    await http(base, 'POST', '/v1/apps', { body: { name: 'neg' } });
    await http(base, 'POST', '/v1/apps/neg/processes', { body: { pid: 'p' } });
    const argument = new Map<string, unknown>([
      ['at', new Date(0)],
      ['big', 2n ** 65n],
    ]);
    const invoke = (headers: Record<string, string>, body: Uint8Array | string, fn = 'echo'): Promise<Response> =>
      fetch(`${base}/v1/apps/neg/invoke/${fn}?pid=p`, { method: 'POST', headers, body });

    const binary = await invoke(
      { 'content-type': 'application/msgpack', accept: 'application/msgpack' },
      encode(argument),
    );
    assert.equal(binary.status, 200);
    assert.equal(binary.headers.get('content-type'), 'application/msgpack');
    assert.match(binary.headers.get('vary') ?? '', /accept/i);
    assert.deepEqual(decode(new Uint8Array(await binary.arrayBuffer())), argument);

    // The same argument, with a client that takes anything: the documented JSON mapping.
    const asJson = await invoke({ 'content-type': 'application/msgpack', accept: '*/*' }, encode(argument));
    assert.match(asJson.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await asJson.json(), [
      ['at', '1970-01-01T00:00:00.000Z'],
      ['big', '36893488147419103232'],
    ]);
    const preferred = await invoke(
      { 'content-type': 'application/json', accept: 'application/json;q=0.5, application/msgpack' },
      '"hi"',
    );
    assert.equal(preferred.headers.get('content-type'), 'application/msgpack', 'the higher q wins');
    assert.equal(decode(new Uint8Array(await preferred.arrayBuffer())), 'hi');

    const none = await invoke({ accept: 'application/msgpack' }, new Uint8Array(0), 'nothing');
    assert.equal(none.status, 204);

    const failed = await invoke(
      { 'content-type': 'application/msgpack', accept: 'application/msgpack' },
      encode('no'),
      'fail',
    );
    assert.equal(failed.status, 502);
    assert.match(failed.headers.get('content-type') ?? '', /^application\/json/, 'errors stay JSON');
    assert.equal(((await failed.json()) as { error: { code: string } }).error.code, 'FUNCTION_FAILED');

    const garbage = await invoke({ 'content-type': 'application/msgpack' }, new Uint8Array([0x92, 0x01]));
    assert.equal(garbage.status, 400);
    const error = ((await garbage.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'DECODE_FAILED');
    assert.match(error.message, /argument of 'echo'/);
  });

  it('answers errors as { error: { code, message, details } } with a mapped status', async () => {
    await http(base, 'POST', '/v1/apps', { body: { name: 'errs' } });
    await http(base, 'POST', '/v1/apps/errs/processes', { body: { pid: 'p' } });
    const failed = await http(base, 'POST', '/v1/apps/errs/invoke/fail?pid=p', { body: 'user says no' });
    assert.equal(failed.status, 502);
    assert.deepEqual(failed.json, {
      error: {
        code: 'FUNCTION_FAILED',
        message: 'user says no',
        details: { function: 'fail', pid: 'p', errorName: 'RangeError' },
      },
    });
    assert.doesNotMatch(failed.text, /at .*\.js/, 'no stack trace');
    const cases: [string, string, HttpResultInit, number, string][] = [
      ['POST', '/v1/apps', { body: { name: 'bad name' } }, 400, 'INVALID_NAME'],
      ['POST', '/v1/apps', { raw: '{"name":', headers: { 'content-type': 'application/json' } }, 400, 'DECODE_FAILED'],
      ['POST', '/v1/apps', { raw: 'name=x', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['POST', '/v1/apps/errs/processes', { body: { class: 'Nope' } }, 404, 'PROCESS_CLASS_NOT_FOUND'],
      ['POST', '/v1/apps/errs/invoke/missing?pid=p', {}, 404, 'FUNCTION_NOT_FOUND'],
      ['POST', '/v1/apps/nope/invoke/add', {}, 404, 'APPLICATION_NOT_FOUND'],
      ['POST', '/v1/apps/errs/invoke/add?pid=p&timeoutMs=abc', {}, 400, 'INVALID_ARGUMENT'],
      ['GET', '/v2/anything', {}, 404, 'ROUTE_NOT_FOUND'],
      ['PATCH', '/v1/apps/errs', {}, 405, 'METHOD_NOT_ALLOWED'],
      [
        'POST',
        '/v1/apps',
        { raw: Buffer.alloc(65 * 1024, 32), headers: { 'content-type': 'application/json' } },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'POST',
        '/v1/apps',
        { raw: Buffer.alloc(200 * 1024, 32), chunked: true, headers: { 'content-type': 'application/json' } },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [method, path, init, status, code] of cases) {
      const r = await http(base, method, path, init);
      assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
      assert.equal((r.json as { error: { code: string } }).error.code, code, `${method} ${path}`);
      assert.equal(typeof (r.json as { error: { message: string } }).error.message, 'string');
    }
    const notAllowed = await http(base, 'PATCH', '/v1/apps/errs');
    assert.equal(notAllowed.headers.allow, 'GET, DELETE');
  });

  it('streams membership changes as server-sent events', async () => {
    await http(base, 'POST', '/v1/apps', { body: { name: 'watched' } });
    assert.equal((await http(base, 'GET', '/v1/apps/unknown/watch')).status, 404);
    const sse = await SseReader.open(base, '/v1/apps/watched/watch');
    try {
      assert.equal(sse.status, 200);
      assert.match(sse.contentType, /^text\/event-stream/);
      const isEvent = (type: string, status?: string) => (e: { event: string; data: unknown }) => {
        const d = e.data as { type: string; process: ProcessInfo };
        return (
          e.event === type && d.type === type && d.process.pid === 'w1' && (!status || d.process.status === status)
        );
      };
      await http(base, 'POST', '/v1/apps/watched/processes', { body: { pid: 'w1' } });
      await sse.waitFor(isEvent('put', 'active'));
      await http(base, 'POST', '/v1/apps/watched/processes/w1/swap');
      await sse.waitFor(isEvent('put', 'swapped'));
      await http(base, 'DELETE', '/v1/apps/watched/processes/w1');
      await sse.waitFor(isEvent('deleted'));
    } finally {
      await sse.close();
    }
  });

  it('starts the event stream with a snapshot, gives each change an id, and resumes after Last-Event-ID', async () => {
    await http(base, 'POST', '/v1/apps', { body: { name: 'resume' } });
    await http(base, 'POST', '/v1/apps/resume/processes', { body: { pid: 'a' } });
    await http(base, 'POST', '/v1/apps/resume/processes', { body: { pid: 'b' } });
    await http(base, 'POST', '/v1/apps/resume/processes/b/swap');
    const summary = (events: SseEvent[]): string[] =>
      events.map((e) => {
        const d = e.data as { type: string; revision?: number; process?: ProcessInfo };
        assert.equal(d.type, e.event);
        if (!d.process) {
          assert.equal(e.id, undefined, `${e.event} has no id`);
          return e.event;
        }
        assert.equal(e.id, String(d.revision), 'the id is the revision');
        return `${e.event}:${d.process.pid}:${d.process.status}`;
      });
    const synced = (e: SseEvent) => e.event === 'synced';

    const first = await SseReader.open(base, '/v1/apps/resume/watch');
    await first.waitFor(synced);
    await http(base, 'POST', '/v1/apps/resume/invoke/add?pid=b', { body: 1 });
    const bActive = (e: SseEvent) => {
      const p = (e.data as { process?: ProcessInfo }).process;
      return e.event === 'put' && p?.pid === 'b' && p.status === 'active';
    };
    await first.waitFor(bActive);
    await first.close();
    assert.deepEqual(summary(first.events), [
      'snapshot',
      'put:a:active',
      'put:b:swapped',
      'synced',
      'put:b:swapping-in',
      'put:b:active',
    ]);
    const lastId = first.events.at(-1)!.id!;

    // Changes while nobody watches; a client that reconnects gets them, not a snapshot.
    await http(base, 'POST', '/v1/apps/resume/processes', { body: { pid: 'c' } });
    await http(base, 'DELETE', '/v1/apps/resume/processes/a');
    const resumed = await SseReader.open(base, '/v1/apps/resume/watch', { 'Last-Event-ID': lastId });
    await resumed.waitFor(synced);
    await resumed.close();
    assert.deepEqual(summary(resumed.events), ['put:c:active', 'deleted:a:deleted', 'synced']);
    assert.ok(resumed.events.every((e) => e.id === undefined || Number(e.id) > Number(lastId)));

    // An id this stack never gave out cannot be resumed from: a fresh snapshot.
    const unknown = await SseReader.open(base, '/v1/apps/resume/watch', { 'Last-Event-ID': '999999999' });
    await unknown.waitFor(synced);
    await unknown.close();
    assert.deepEqual(summary(unknown.events), ['snapshot', 'put:b:active', 'put:c:active', 'synced']);

    const bad = await http(base, 'GET', '/v1/apps/resume/watch', { headers: { 'Last-Event-ID': 'yesterday' } });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { error: { message: string } }).error.message, /Last-Event-ID must be/);
  });

  it('ends open event streams when the gateway stops', async () => {
    await http(base, 'POST', '/v1/apps', { body: { name: 'stopping' } });
    const sse = await SseReader.open(base, '/v1/apps/stopping/watch');
    await stack.gateway.stop();
    await sse.closed();
    assert.ok(sse.ended);
  });

  it('answers /healthz and serves the expected series at /metrics after some traffic', async () => {
    const health = await http(base, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    await http(base, 'POST', '/v1/apps', { body: { name: 'm' } });
    await http(base, 'POST', '/v1/apps/m/processes', { body: { pid: 'a' } });
    await http(base, 'POST', '/v1/apps/m/processes', { body: { pid: 'b' } });
    await http(base, 'POST', '/v1/apps/m/invoke/add?pid=a', { body: 1 });
    await http(base, 'POST', '/v1/apps/m/invoke/fail?pid=a', { body: 'x' });
    await http(base, 'POST', '/v1/apps/m/processes/b/swap');
    await http(base, 'POST', '/v1/apps/m/processes', { body: { pid: 'b' } });
    await http(base, 'POST', '/v1/apps/m/processes/b/swap');
    await http(base, 'GET', '/nowhere');
    const metrics = await http(base, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const lines = metrics.text.split('\n');
    const expect = [
      'praas_gateway_invocations_total{app="m",fn="add",outcome="ok"} 1',
      'praas_gateway_invocations_total{app="m",fn="fail",outcome="FUNCTION_FAILED"} 1',
      'praas_gateway_invocation_duration_seconds_count{app="m",fn="add"} 1',
      'praas_gateway_swaps_total{app="m",direction="out",outcome="ok"} 2',
      'praas_gateway_swaps_total{app="m",direction="in",outcome="ok"} 1',
      'praas_gateway_swap_duration_seconds_count{app="m",direction="out"} 2',
      'praas_processes{app="m",status="active"} 1',
      'praas_processes{app="m",status="swapped"} 1',
      'praas_gateway_http_requests_total{route="/v1/apps/{app}/processes",method="POST",status="201"} 3',
      'praas_gateway_http_requests_total{route="unmatched",method="GET",status="404"} 1',
      'praas_gateway_http_requests_total{route="/healthz",method="GET",status="200"} 1',
    ];
    for (const line of expect) assert.ok(lines.includes(line), `missing: ${line}\n${metrics.text}`);
    assert.ok(lines.includes('# TYPE praas_gateway_invocation_duration_seconds histogram'));
  });
});

type HttpResultInit = Parameters<typeof http>[3];

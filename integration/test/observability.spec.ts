import assert from 'node:assert/strict';
import { freePort, http, type HttpRequestOptions, type HttpResult } from '@praas/test-services';
import { bearerInterceptor, OBSERVE_FIXTURE_MODULE, startStack, type GatewayProcess, type Stack } from '../src';
import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import type { ProcessInspection } from '@praas/framework';
import { loadGatewayService } from '@praas/gateway';
import { cli, until } from './support/cli';

type LogRecord = Record<string, unknown> & { level: string; msg: string; time: number };

/** The names of a JSON object's own members as written, in order, repeated ones included. */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && json[end + 1] === ':') keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      i = end;
    }
  }
  return keys;
}

/** The JSON log records among what an OS process printed (its ready lines are plain text); none names a field twice. */
function records(output: string): LogRecord[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const keys = topLevelKeys(line);
      assert.equal(new Set(keys).size, keys.length, `a log record names a field twice: ${line}`);
      return JSON.parse(line) as LogRecord;
    });
}

/** The value of one series of a Prometheus text exposition, undefined when it is absent. */
function series(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metrics.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((l): [string, string] => [l[1]!, l[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** A request to the gateway with its admin token. */
function gatewayHttp(
  gateway: GatewayProcess,
  method: string,
  path: string,
  options: HttpRequestOptions = {},
): Promise<HttpResult> {
  return http(gateway.httpUrl, method, path, {
    ...options,
    headers: { authorization: gateway.authorization, ...options.headers },
  });
}

describe('observability: JSON logs and Prometheus metrics of a gateway and two hosts as OS processes', function () {
  let stack: Stack;
  let gateway: GatewayProcess;
  const healthPorts: number[] = [];
  const app = `obs-${Date.now().toString(36)}`;

  before(async () => {
    // The hosts start side by side: each gets a port of its own before either listens.
    while (healthPorts.length < 2) {
      const port = await freePort();
      if (!healthPorts.includes(port)) healthPorts.push(port);
    }
    stack = await startStack({
      name: 'observability',
      s3: true,
      hosts: ['h1', 'h2'].map((hostId, i) => ({
        app,
        hostId,
        modulePath: OBSERVE_FIXTURE_MODULE,
        env: { PRAAS_HEALTH_PORT: String(healthPorts[i]) },
      })),
      gateways: [{}],
    });
    [gateway] = stack.gateways as [GatewayProcess];
  });

  after(async () => {
    await stack?.stop();
  });

  it('logs requests, life-cycle events and function failures as JSON; the stack stays out of the answer', async () => {
    const created = await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/processes`, { body: { class: 'Cart' } });
    assert.equal(created.status, 201, created.text);
    const pid = (created.json as { pid: string }).pid;
    const invoke = (fn: string, body: unknown): Promise<HttpResult> =>
      gatewayHttp(gateway, 'POST', `/v1/apps/${app}/invoke/${fn}?pid=${pid}`, { body });
    assert.equal((await invoke('add', 'apple')).status, 200);
    const failed = await invoke('broken', null);
    assert.equal(failed.status, 502, failed.text);
    assert.match(failed.text, /TypeError/);
    assert.doesNotMatch(failed.text, /observe\.processes|\n\s+at /, 'no stack frame reaches the client');
    assert.equal((await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/processes/${pid}/swap`)).status, 200);
    assert.equal((await invoke('add', 'pear')).status, 200, 'swapped back in');

    // The gateway's request log: one record per request, with its fields and no body.
    const requests = await until('the request records of the invocations', async () => {
      const found = records(gateway.output()).filter(
        (r) => r.msg === 'request' && r['route'] === '/v1/apps/{app}/invoke/{fn}',
      );
      return found.length >= 3 ? found : undefined;
    });
    const first = requests[0]!;
    assert.equal(first.level, 'info');
    assert.deepEqual(
      { method: first['method'], status: first['status'], app: first['app'], pid: first['pid'], fn: first['fn'] },
      { method: 'POST', status: 200, app, pid, fn: 'add' },
    );
    assert.equal(typeof first['ms'], 'number');
    assert.ok(!JSON.stringify(requests).includes('apple'), 'no request body in the log');
    assert.ok(requests.some((r) => r['status'] === 502 && r['fn'] === 'broken'));

    // The hosts' life-cycle records: created, swapped out and in with bytes and ms; the failure with its stack.
    const hostRecords = (): LogRecord[] =>
      stack.hosts.flatMap((h) => records(h.output())).filter((r) => r['pid'] === pid);
    const byMsg = (msg: string): LogRecord | undefined => hostRecords().find((r) => r.msg === msg);
    await until('the swap-in record', async () => byMsg('swapped in'));
    assert.equal(byMsg('created process')?.['class'], 'Cart');
    for (const msg of ['swapped out', 'swapped in']) {
      const r = byMsg(msg)!;
      assert.ok(typeof r['bytes'] === 'number' && r['bytes'] > 0, `${msg} has bytes: ${JSON.stringify(r)}`);
      assert.equal(typeof r['ms'], 'number');
      assert.equal(r['app'], app);
      assert.ok(r['host'] === 'h1' || r['host'] === 'h2');
    }
    const failure = byMsg('function failed')!;
    assert.equal(failure.level, 'error');
    assert.equal(failure['fn'], 'broken');
    const err = failure['err'] as { type: string; message: string; stack: string };
    assert.equal(err.type, 'TypeError');
    assert.match(err.stack, /observe\.processes/, 'the stack names the user code');
  });

  it('serves the expected series at /metrics of every host and of the gateway after traffic', async () => {
    const created = await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/processes`, { body: { class: 'Cart' } });
    const pid = (created.json as { pid: string }).pid;
    for (const item of ['a', 'b'])
      await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/invoke/add?pid=${pid}`, { body: item });
    // A pending multi-source accumulation (1 of 3) and an unread message in the mailbox.
    await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/invoke/contribute?pid=${pid}`, {
      body: { round: 'r1', n: 1 },
    });
    await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/invoke/leaveNote?pid=${pid}`, { body: 'hi' });

    const scrape = async (): Promise<string[]> =>
      Promise.all(healthPorts.map(async (port) => (await http(`http://127.0.0.1:${port}`, 'GET', '/metrics')).text));
    const texts = await scrape();
    const sum = (name: string, labels: Record<string, string> = {}): number =>
      texts.reduce((n, t) => n + (series(t, name, labels) ?? 0), 0);
    assert.ok(sum('praas_host_invocations_total', { class: 'Cart', fn: 'add', outcome: 'ok', app }) >= 2);
    assert.ok(sum('praas_host_invocation_duration_seconds_count', { fn: 'add' }) >= 2);
    assert.ok(sum('praas_host_swaps_total', { direction: 'out', outcome: 'ok' }) >= 1);
    assert.ok(sum('praas_host_swap_bytes_count', { direction: 'in' }) >= 1);
    assert.ok(sum('praas_host_swap_duration_seconds_count', { direction: 'out' }) >= 1);
    assert.ok(sum('praas_host_processes', { status: 'active' }) >= 1);
    assert.ok(sum('praas_host_messages_total', { direction: 'in' }) >= 2);
    assert.ok(sum('praas_host_messages_total', { direction: 'out' }) >= 1);
    assert.ok(sum('praas_host_mailbox_messages') >= 1);
    assert.ok(sum('praas_host_trigger_messages_pending') >= 1);
    for (const t of texts) {
      for (const name of [
        'praas_host_nats_reconnects_total',
        'praas_host_direct_connections',
        'praas_host_backup_queue_held',
        'praas_host_checkpoints_total',
      ])
        assert.match(t, new RegExp(`^# TYPE ${name} `, 'm'));
      assert.ok((series(t, 'process_resident_memory_bytes') ?? 0) > 0, 'Node process metrics');
    }

    const g = (await gatewayHttp(gateway, 'GET', '/metrics')).text;
    assert.ok((series(g, 'praas_gateway_invocations_total', { app, fn: 'add', outcome: 'ok' }) ?? 0) >= 2);
    assert.ok((series(g, 'praas_processes', { app, status: 'active' }) ?? 0) >= 1);
    assert.ok(
      (series(g, 'praas_gateway_http_request_duration_seconds_count', { route: '/v1/apps/{app}/processes' }) ?? 0) >= 1,
    );
    assert.ok((series(g, 'process_resident_memory_bytes') ?? 0) > 0);
  });

  it('inspects a process live, and a swapped-out one from its snapshot without swapping it in (REST, gRPC, CLI)', async () => {
    const created = await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/processes`, { body: { class: 'Cart' } });
    const pid = (created.json as { pid: string }).pid;
    const invoke = async (fn: string, body: unknown): Promise<void> => {
      const r = await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/invoke/${fn}?pid=${pid}`, { body });
      assert.ok(r.status === 200 || r.status === 204, `${fn}: ${r.status} ${r.text}`);
    };
    await invoke('add', 'apple');
    await invoke('annotate', 5_000);
    await invoke('remember', { key: 'colour', value: 'blue' });
    await invoke('leaveNote', 'call me');
    await invoke('contribute', { round: 'r1', n: 4 });
    const state = async (query = ''): Promise<ProcessInspection> => {
      const r = await gatewayHttp(gateway, 'GET', `/v1/apps/${app}/processes/${pid}/state${query}`);
      assert.equal(r.status, 200, r.text);
      return r.json as ProcessInspection;
    };
    const live = await state();
    assert.deepEqual([live.source, live.status], ['live', 'active']);
    assert.ok(live.host === 'h1' || live.host === 'h2');
    assert.equal(live.fields.find((f) => f.name === 'items')?.preview, '["apple"]');

    assert.equal((await gatewayHttp(gateway, 'POST', `/v1/apps/${app}/processes/${pid}/swap`)).status, 200);
    const record = (await gatewayHttp(gateway, 'GET', `/v1/apps/${app}/processes/${pid}`)).json;
    const shown = await state('?maxChars=100');
    assert.deepEqual([shown.source, shown.status, shown.processClass], ['snapshot', 'swapped', 'Cart']);
    assert.equal(shown.generation, (record as { generation: number }).generation);
    assert.equal(shown.fields.find((f) => f.name === 'items')?.preview, '["apple"]');
    const note = shown.fields.find((f) => f.name === 'note')!;
    assert.deepEqual([note.truncated, note.preview.length], [true, 100]);
    assert.ok(note.bytes > 5_000);
    assert.deepEqual(
      shown.keyed.map((k) => [k.name, k.preview]),
      [['colour', '"blue"']],
    );
    assert.equal(shown.mailbox.depth, 1);
    assert.deepEqual([shown.mailbox.head[0]?.key, shown.mailbox.head[0]?.preview], ['note', '"call me"']);
    assert.deepEqual(
      shown.triggers.map((t) => [t.fn, t.key, t.count]),
      [['gather', 'r1', 1]],
    );
    // Not swapped in: the record is as the swap left it, and no host logged a swap-in.
    assert.deepEqual((await gatewayHttp(gateway, 'GET', `/v1/apps/${app}/processes/${pid}`)).json, record);
    const swapIns = stack.hosts
      .flatMap((h) => records(h.output()))
      .filter((r) => r['pid'] === pid && r.msg === 'swapped in');
    assert.equal(swapIns.length, 0);

    const Gateway = loadGatewayService();
    const grpc: Client = new Gateway(gateway.grpcAddress, credentials.createInsecure(), {
      interceptors: [bearerInterceptor(gateway.authorization)],
    });
    try {
      const message = await new Promise<Record<string, unknown>>((resolve, reject) =>
        (grpc as unknown as Record<string, (r: object, cb: (e: ServiceError | null, r: unknown) => void) => void>)[
          'InspectProcess'
        ]!.call(grpc, { app, pid, maxChars: 100 }, (e, r) => (e ? reject(e) : resolve(r as Record<string, unknown>))),
      );
      assert.deepEqual([message['source'], message['status'], message['host']], ['snapshot', 'swapped', '']);
      assert.equal((message['mailbox'] as { depth: number }).depth, 1);
      assert.equal((message['fields'] as { name: string }[]).length, shown.fields.length);
    } finally {
      grpc.close();
    }

    const text = await cli(
      'inspect',
      app,
      pid,
      '--gateway',
      gateway.httpUrl,
      '--token',
      gateway.token,
      '--max-chars',
      '20',
    );
    assert.equal(text.code, 0, text.err);
    assert.match(
      text.out,
      new RegExp(`process ${pid} of '${app}' \\(Cart\\): swapped, generation \\d+, from its committed snapshot`),
    );
    assert.match(text.out, /items = \["apple"\]/);
    assert.match(text.out, /gather \[r1\]: 1 message\(s\)/);
    assert.equal(
      ((await gatewayHttp(gateway, 'GET', `/v1/apps/${app}/processes/${pid}`)).json as { status: string }).status,
      'swapped',
    );
  });
});

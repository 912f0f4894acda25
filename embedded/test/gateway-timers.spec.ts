import assert from 'node:assert/strict';
import { credentials, status, type Client } from '@grpc/grpc-js';
import { parseSchedule, type TimerDetails, type TimerRecord } from '@praas/framework/internal';
import { loadGatewayService } from '@praas/gateway';
import { assertGrpcRejects, grpcUnary } from '@praas/test-services';
import { http, startGatewayStack, type GatewayStack } from './support/gateway-stack';

const T0 = Date.UTC(2026, 0, 1);
const timer = (pid: string, id: string, overrides: Partial<TimerRecord> = {}): TimerRecord => ({
  app: 'shop',
  pid,
  id,
  fn: 'add',
  data: new Uint8Array(12),
  schedule: parseSchedule({ at: new Date(T0 + 60_000) }),
  dueAt: T0 + 60_000,
  attempt: 0,
  createdAt: T0,
  ...overrides,
});

interface ErrorBody {
  error: { code: string; message: string };
}

describe('gateway timer routes: list and cancel durable timers (on the embedded stack)', () => {
  let stack: GatewayStack;
  let base: string;
  let grpc: Client;
  beforeEach(async () => {
    stack = await startGatewayStack();
    base = stack.addresses.httpUrl;
    grpc = new (loadGatewayService())(stack.addresses.grpcAddress, credentials.createInsecure());
    await stack.praas.createApp('shop');
    for (const pid of ['c1', 'c2']) await stack.praas.createProcess('shop', { pid });
    // The store the embedded hosts fire from: records put directly, as a host's ctx.schedule would.
    await stack.praas.timers.put(
      timer('c1', 'nightly', {
        key: 'nightly',
        schedule: parseSchedule({ cron: '0 3 * * *', tz: 'Europe/Berlin', key: 'nightly' }),
        dueAt: T0 + 7_200_000,
        // Its firing of 01:59:50 failed twice: this is the retry.
        scheduledAt: T0 + 7_190_000,
        attempt: 2,
        lease: { owner: 'host-a', until: T0 + 30_000 },
      }),
    );
    await stack.praas.timers.put(timer('c1', 't2', { schedule: parseSchedule({ every: '5m' }, T0) }));
    await stack.praas.timers.put(timer('c2', 't3'));
  });
  afterEach(async () => {
    grpc.close();
    await stack.close();
  });

  it('REST: pages through the application’s timers and a process’s, showing each without its payload', async () => {
    const seen: TimerDetails[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await http(base, 'GET', `/v1/apps/shop/timers?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      const page = r.json as { timers: TimerDetails[]; cursor?: string };
      assert.ok(page.timers.length <= 2);
      seen.push(...page.timers);
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    assert.equal(pages, 2);
    assert.deepEqual(seen.map((t) => `${t.pid}/${t.id}`).sort(), ['c1/nightly', 'c1/t2', 'c2/t3']);
    const nightly = seen.find((t) => t.id === 'nightly')!;
    assert.deepEqual(nightly, {
      app: 'shop',
      pid: 'c1',
      id: 'nightly',
      fn: 'add',
      schedule: { kind: 'cron', cron: '0 3 * * *', tz: 'Europe/Berlin', catchUp: 'once', key: 'nightly' },
      dueAt: '2026-01-01T02:00:00.000Z',
      dueAtMs: T0 + 7_200_000,
      scheduledAt: '2026-01-01T01:59:50.000Z',
      scheduledAtMs: T0 + 7_190_000,
      key: 'nightly',
      attempt: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      lease: { holder: 'host-a', until: '2026-01-01T00:00:30.000Z', untilMs: T0 + 30_000 },
      payloadBytes: 12,
    });
    const own = (await http(base, 'GET', '/v1/apps/shop/processes/c2/timers')).json as { timers: TimerDetails[] };
    assert.deepEqual(
      own.timers.map((t) => t.id),
      ['t3'],
    );
  });

  it('REST: cancels a timer (needs it to exist) and answers unknown names and bad queries with the error body', async () => {
    assert.equal((await http(base, 'DELETE', '/v1/apps/shop/processes/c1/timers/t2')).status, 204);
    assert.equal(await stack.praas.timers.get('shop', 'c1', 't2'), undefined);
    const listed = (await http(base, 'GET', '/v1/apps/shop/processes/c1/timers')).json as { timers: TimerDetails[] };
    assert.deepEqual(
      listed.timers.map((t) => t.id),
      ['nightly'],
    );
    for (const [method, path, code, what] of [
      ['DELETE', '/v1/apps/shop/processes/c1/timers/t2', 404, 'TIMER_NOT_FOUND'],
      ['DELETE', '/v1/apps/shop/processes/ghost/timers/t3', 404, 'PROCESS_NOT_FOUND'],
      ['DELETE', '/v1/apps/nope/processes/c2/timers/t3', 404, 'APPLICATION_NOT_FOUND'],
      ['GET', '/v1/apps/nope/timers', 404, 'APPLICATION_NOT_FOUND'],
      ['GET', '/v1/apps/shop/processes/ghost/timers', 404, 'PROCESS_NOT_FOUND'],
      ['GET', '/v1/apps/shop/timers?limit=0', 400, 'INVALID_ARGUMENT'],
      ['GET', '/v1/apps/shop/timers?limit=many', 400, 'INVALID_ARGUMENT'],
      ['GET', '/v1/apps/shop/timers?cursor=forged', 400, 'INVALID_ARGUMENT'],
      ['GET', '/v1/apps/shop/timers?pid=c1', 400, 'INVALID_ARGUMENT'],
      ['DELETE', '/v1/apps/shop/processes/c1/timers/a.b', 400, 'INVALID_NAME'],
    ] as const) {
      const r = await http(base, method, path);
      assert.equal(r.status, code, `${method} ${path}: ${r.text}`);
      assert.equal((r.json as ErrorBody).error.code, what, `${method} ${path}`);
    }
    assert.ok((await stack.praas.timers.get('shop', 'c2', 't3')) !== undefined, 'refused cancels left it');
  });

  it('gRPC: ListTimers pages with the schedule as TimerSchedule, CancelTimer cancels, errors as statuses', async () => {
    interface TimerMessage {
      id: string;
      pid: string;
      schedule: { kind: string; everyMs: number; anchor: number; cron: string; tz: string; catchUp: string };
      key: string;
      leaseHolder: string;
      leaseUntilMs: number;
      payloadBytes: number;
      dueAtMs: number;
      scheduledAt: string;
      scheduledAtMs: number;
    }
    type Page = { timers: TimerMessage[]; cursor: string };
    const first = await grpcUnary<Page>(grpc, 'ListTimers', { app: 'shop', limit: 2 });
    assert.equal(first.timers.length, 2);
    assert.notEqual(first.cursor, '');
    const second = await grpcUnary<Page>(grpc, 'ListTimers', { app: 'shop', limit: 2, cursor: first.cursor });
    assert.equal(second.cursor, '');
    const all = [...first.timers, ...second.timers];
    assert.deepEqual(all.map((t) => t.id).sort(), ['nightly', 't2', 't3']);
    const every = all.find((t) => t.id === 't2')!;
    assert.deepEqual(every.schedule, {
      kind: 'every',
      at: 0,
      everyMs: 300_000,
      anchor: T0,
      cron: '',
      tz: '',
      catchUp: 'once',
    });
    assert.equal(every.key, '');
    assert.equal(every.leaseHolder, '');
    assert.equal(every.payloadBytes, 12);
    assert.equal(every.scheduledAt, '');
    assert.equal(every.scheduledAtMs, 0);
    const nightly = all.find((t) => t.id === 'nightly')!;
    assert.equal(nightly.leaseHolder, 'host-a');
    assert.equal(nightly.leaseUntilMs, T0 + 30_000);
    assert.equal(nightly.scheduledAt, '2026-01-01T01:59:50.000Z');
    assert.equal(nightly.scheduledAtMs, T0 + 7_190_000);
    const c2 = await grpcUnary<Page>(grpc, 'ListTimers', { app: 'shop', pid: 'c2' });
    assert.deepEqual(
      c2.timers.map((t) => t.id),
      ['t3'],
    );
    await grpcUnary(grpc, 'CancelTimer', { app: 'shop', pid: 'c2', id: 't3' });
    assert.deepEqual((await grpcUnary<Page>(grpc, 'ListTimers', { app: 'shop', pid: 'c2' })).timers, []);
    await assertGrpcRejects(
      grpcUnary(grpc, 'CancelTimer', { app: 'shop', pid: 'c2', id: 't3' }),
      status.NOT_FOUND,
      'TIMER_NOT_FOUND',
    );
    await assertGrpcRejects(
      grpcUnary(grpc, 'ListTimers', { app: 'shop', pid: 'ghost' }),
      status.NOT_FOUND,
      'PROCESS_NOT_FOUND',
    );
    await assertGrpcRejects(grpcUnary(grpc, 'ListTimers', { app: 'nope' }), status.NOT_FOUND, 'APPLICATION_NOT_FOUND');
    await assertGrpcRejects(
      grpcUnary(grpc, 'ListTimers', { app: 'shop', cursor: 'forged' }),
      status.INVALID_ARGUMENT,
      'INVALID_ARGUMENT',
    );
  });
});

import assert from 'node:assert/strict';
import { credentials, status, type Client } from '@grpc/grpc-js';
import { parseSchedule, type TimerDetails } from '@praas/framework/internal';
import { NatsKvTimerStore } from '@praas/framework/nats';
import { loadGatewayService } from '@praas/gateway';
import { assertGrpcRejects, grpcUnary, http } from '@praas/test-services';
import { bearerInterceptor, startStack, type GatewayProcess, type Stack } from '../src';
import { cli } from './support/cli';

const APP = 'clock';
const PIDS = ['a', 'b', 'c'];
const COUNT = 250;

/**
 * The timer routes of a gateway OS process over the JetStream KV timer store on a real
 * nats-server: the store is written directly, as the hosts' ctx.schedule writes it, and read back
 * through REST, gRPC and the CLI page by page.
 */
describe('listing and cancelling durable timers through a gateway process on NATS (REST, gRPC, CLI)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let gateway: GatewayProcess;
  let grpc: Client;
  let store: NatsKvTimerStore;
  const now = Date.now();

  before(async () => {
    stack = await startStack({ name: 'gateway-timers', gateways: [{}], controlApp: APP });
    [gateway] = stack.gateways as [GatewayProcess];
    const { registry } = stack.side;
    // The application and its processes, as the control plane records them (no host needed to list timers).
    await registry.putApp({ name: APP, processClasses: ['Clock'], createdAt: now, incarnation: 'i1' });
    for (const pid of PIDS)
      await registry.putProcess({
        app: APP,
        pid,
        processClass: 'Clock',
        status: 'swapped',
        generation: 1,
        updatedAt: now,
      });
    store = await NatsKvTimerStore.connect({ servers: stack.nats.url });
    for (let i = 0; i < COUNT; i++)
      await store.put({
        app: APP,
        pid: PIDS[i % PIDS.length]!,
        id: `t${i}`,
        fn: 'tick',
        data: new Uint8Array(i % 7),
        schedule: parseSchedule({ afterMs: 60_000 + i }, now),
        dueAt: now + 60_000 + i,
        attempt: 0,
        createdAt: now,
      });
    grpc = new (loadGatewayService())(gateway.grpcAddress, credentials.createInsecure(), {
      interceptors: [bearerInterceptor(gateway.authorization)],
    });
  });

  after(async () => {
    grpc?.close();
    await store?.close();
    await stack?.stop();
  });

  const get = async (path: string): Promise<{ timers: TimerDetails[]; cursor?: string }> => {
    const r = await http(gateway.httpUrl, 'GET', path, { headers: { authorization: gateway.authorization } });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return JSON.parse(r.text) as { timers: TimerDetails[]; cursor?: string };
  };

  it('REST: walks every timer of the application once, 100 a page, and each process’s', async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get(`/v1/apps/${APP}/timers?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.timers.length <= 100);
      ids.push(...page.timers.map((t) => t.id));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    assert.equal(pages, 3);
    assert.equal(ids.length, COUNT);
    assert.equal(new Set(ids).size, COUNT, 'each timer once');
    const t7 = (await get(`/v1/apps/${APP}/processes/b/timers?limit=1000`)).timers;
    assert.equal(t7.length, Math.floor(COUNT / 3));
    assert.ok(t7.every((t) => t.pid === 'b'));
    const one = t7.find((t) => t.id === 't7')!;
    assert.equal(one.payloadBytes, 0);
    assert.equal(one.dueAtMs, now + 60_007);
    assert.equal(one.dueAt, new Date(now + 60_007).toISOString());
    assert.ok(!('data' in one), 'no payload in the listing');
  });

  it('gRPC: pages through ListTimers with a pid, and CancelTimer removes a timer from the store', async () => {
    type Page = { timers: { id: string; pid: string }[]; cursor: string };
    const ids: string[] = [];
    let cursor = '';
    do {
      const page: Page = await grpcUnary<Page>(grpc, 'ListTimers', { app: APP, pid: 'a', limit: 30, cursor });
      ids.push(...page.timers.map((t) => t.id));
      cursor = page.cursor;
    } while (cursor !== '');
    assert.equal(new Set(ids).size, Math.ceil(COUNT / 3));
    await grpcUnary(grpc, 'CancelTimer', { app: APP, pid: 'a', id: 't0' });
    assert.equal(await store.get(APP, 'a', 't0'), undefined);
    await assertGrpcRejects(
      grpcUnary(grpc, 'CancelTimer', { app: APP, pid: 'a', id: 't0' }),
      status.NOT_FOUND,
      'TIMER_NOT_FOUND',
    );
  });

  it('REST and the CLI cancel a timer; the listings no longer show it', async () => {
    const r = await http(gateway.httpUrl, 'DELETE', `/v1/apps/${APP}/processes/b/timers/t1`, {
      headers: { authorization: gateway.authorization },
    });
    assert.equal(r.status, 204, r.text);
    const flags = ['--gateway', gateway.httpUrl, '--token', gateway.token];
    const cancelled = await cli('timers', 'cancel', APP, 'c', 't2', ...flags);
    assert.equal(cancelled.code, 0, cancelled.err);
    const listed = await cli('timers', APP, 'c', '--json', ...flags);
    assert.equal(listed.code, 0, listed.err);
    const left = JSON.parse(listed.out) as TimerDetails[];
    assert.equal(left.length, Math.floor(COUNT / 3) - 1);
    assert.ok(!left.some((t) => t.id === 't2'));
    const table = await cli('timers', APP, '--limit', '5', ...flags);
    assert.equal(table.code, 0, table.err);
    const lines = table.out.split('\n');
    assert.match(lines[0]!, /^PID +ID +FN +NEXT DUE/);
    assert.equal(lines.length, 7, 'a header, five timers, the next page');
    assert.match(lines[6]!, new RegExp(`^more: praas-framework timers ${APP} --cursor \\S+$`));
    const missing = await cli('timers', APP, 'ghost', ...flags);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /PROCESS_NOT_FOUND: application 'clock' has no process 'ghost'/);
    for (const id of ['t1', 't2']) {
      const gone = await get(`/v1/apps/${APP}/processes/${id === 't1' ? 'b' : 'c'}/timers?limit=1000`);
      assert.ok(!gone.timers.some((t) => t.id === id), id);
    }
  });
});

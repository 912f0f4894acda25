import assert from 'node:assert/strict';
import { credentials, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { PraasClient, type ProcessInfoPage } from '@praas/framework/internal';
import { loadGatewayService } from '@praas/gateway';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack';

type Callback = (error: ServiceError | null, response: unknown) => void;
interface GrpcPage {
  processes: { pid: string; status: string }[];
  cursor: string;
}

function listProcesses(client: Client, request: object): Promise<GrpcPage> {
  const fn = (client as unknown as Record<string, (r: object, cb: Callback) => void>)['ListProcesses']!;
  return new Promise((resolve, reject) => fn.call(client, request, (e, r) => (e ? reject(e) : resolve(r as GrpcPage))));
}

describe('list processes page by page, over REST and gRPC alike', () => {
  let stack: GatewayStack;
  let grpc: Client;
  let rest: PraasClient;
  const pids = ['p1', 'p2', 'p3', 'p4', 'p5'];

  before(async () => {
    stack = await startGatewayStack();
    grpc = new (loadGatewayService())(stack.addresses.grpcAddress, credentials.createInsecure());
    rest = new PraasClient({ url: stack.addresses.httpUrl });
    await rest.createApp('pages');
    for (const pid of pids) await rest.createProcess('pages', { pid });
    await rest.swapProcess('pages', 'p2');
    await rest.swapProcess('pages', 'p4');
  });
  after(async () => {
    grpc.close();
    await stack.close();
  });

  /** Every pid of a walk, and the page sizes. */
  async function walk(page: (cursor: string | undefined) => Promise<ProcessInfoPage>): Promise<[string[], number[]]> {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const p = await page(cursor);
      seen.push(...p.processes.map((x) => x.pid));
      sizes.push(p.processes.length);
      cursor = p.cursor;
    } while (cursor !== undefined);
    return [seen.sort(), sizes];
  }

  it('returns each process once, at most `limit` a page, with a cursor to the next', async () => {
    const viaRest = await walk((cursor) => rest.listProcessPage('pages', { limit: 2, ...(cursor ? { cursor } : {}) }));
    const viaGrpc = await walk(async (cursor) => {
      const p = await listProcesses(grpc, { app: 'pages', limit: 2, cursor: cursor ?? '' });
      return { processes: p.processes as ProcessInfoPage['processes'], ...(p.cursor ? { cursor: p.cursor } : {}) };
    });
    assert.deepEqual(viaRest, [pids, [2, 2, 1]]);
    assert.deepEqual(viaGrpc, viaRest);
    assert.deepEqual((await rest.listProcesses('pages')).map((p) => p.pid).sort(), pids);
  });

  it('filters by status, class and host', async () => {
    const [swapped] = await walk((cursor) =>
      rest.listProcessPage('pages', { status: 'swapped', ...(cursor ? { cursor } : {}) }),
    );
    assert.deepEqual(swapped, ['p2', 'p4']);
    const host = (await rest.getProcess('pages', 'p1')).host!;
    const onHost = await listProcesses(grpc, { app: 'pages', host, processClass: 'Counter' });
    assert.deepEqual(onHost.processes.map((p) => p.pid).sort(), ['p1', 'p3', 'p5']);
    assert.equal(onHost.cursor, '');
    assert.deepEqual((await rest.listProcessPage('pages', { processClass: 'Nothing' })).processes, []);
  });

  it('refuses a bad limit, status or cursor with INVALID_ARGUMENT, and an unknown parameter', async () => {
    await assert.rejects(rest.listProcessPage('pages', { limit: 5_000 }), { code: 'INVALID_ARGUMENT' });
    await assert.rejects(rest.listProcessPage('pages', { cursor: 'not-mine' }), { code: 'INVALID_ARGUMENT' });
    const response = await fetch(`${stack.addresses.httpUrl}/v1/apps/pages/processes?sort=pid`);
    assert.equal(response.status, 400);
    assert.match(
      await response.text(),
      /unknown query parameter 'sort'; list processes takes limit, cursor, status, class, host/,
    );
    await assert.rejects(listProcesses(grpc, { app: 'pages', status: 'sleeping' }), (e: ServiceError) => {
      assert.equal(e.code, status.INVALID_ARGUMENT);
      assert.match(e.details, /status must be one of active, swapping-out, swapped, swapping-in, deleted/);
      return true;
    });
  });
});

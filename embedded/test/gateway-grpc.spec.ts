import assert from 'node:assert/strict';
import {
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as HEALTH_PROTO } from 'grpc-health-check';
import { loadGatewayService } from '@praas/gateway';
import { assertGrpcRejects, grpcUnary, jsonBytes, parseJsonBytes } from '@praas/test-services';
import { Counter, Ledger, startGatewayStack, type GatewayStack } from './support/gateway-stack';

interface ProcessMessage {
  pid: string;
  status: string;
  address: string;
  generation: number;
  host: string;
}

describe('gateway gRPC service praas.v1.Gateway (on the embedded stack)', () => {
  let stack: GatewayStack;
  let client: Client;
  beforeEach(async () => {
    stack = await startGatewayStack();
    const Gateway = loadGatewayService();
    client = new Gateway(stack.addresses.grpcAddress, credentials.createInsecure());
  });
  afterEach(async () => {
    client.close();
    await stack.close();
  });

  it('runs the application and process life cycle', async () => {
    const app = await grpcUnary<{ name: string; processClasses: string[]; createdAt: number }>(client, 'CreateApp', {
      name: 'shop',
    });
    assert.deepEqual(app.processClasses, ['Counter']);
    assert.ok(app.createdAt > 0);
    assert.deepEqual(
      (await grpcUnary<{ apps: { name: string }[] }>(client, 'ListApps', {})).apps.map((a) => a.name),
      ['shop'],
    );
    const created = await grpcUnary<ProcessMessage>(client, 'CreateProcess', { app: 'shop', pid: 'c1' });
    assert.equal(created.status, 'active');
    assert.equal(created.address, 'praas.shop.p.c1');

    const first = await grpcUnary<{ payload: Buffer }>(client, 'Invoke', {
      app: 'shop',
      fn: 'add',
      pid: 'c1',
      payload: jsonBytes(40),
    });
    assert.equal(parseJsonBytes(first.payload), 40);
    const swapped = await grpcUnary<ProcessMessage>(client, 'SwapProcess', { app: 'shop', pid: 'c1' });
    assert.equal(swapped.status, 'swapped');
    assert.equal(swapped.host, '');
    const listed = await grpcUnary<{ processes: ProcessMessage[] }>(client, 'ListProcesses', { app: 'shop' });
    assert.deepEqual(
      listed.processes.map((p) => [p.pid, p.status]),
      [['c1', 'swapped']],
    );
    const again = await grpcUnary<{ payload: Buffer }>(client, 'Invoke', {
      app: 'shop',
      fn: 'add',
      pid: 'c1',
      payload: jsonBytes(2),
    });
    assert.equal(parseJsonBytes(again.payload), 42, 'swapped in transparently with its state');
    const got = await grpcUnary<ProcessMessage>(client, 'GetProcess', { app: 'shop', pid: 'c1' });
    assert.equal(got.status, 'active');
    assert.equal(got.generation, 1);

    await grpcUnary(client, 'SendMessage', { app: 'shop', pid: 'c1', key: 'note', data: jsonBytes('hi') });
    const inbox = await grpcUnary<{ payload: Buffer }>(client, 'Invoke', {
      app: 'shop',
      fn: 'inbox',
      pid: 'c1',
      payload: jsonBytes(1),
    });
    assert.deepEqual(parseJsonBytes(inbox.payload), ['hi']);

    const none = await grpcUnary<{ payload: Buffer }>(client, 'Invoke', { app: 'shop', fn: 'nothing', pid: 'c1' });
    assert.equal(none.payload.length, 0, 'undefined travels as an empty payload');

    await grpcUnary(client, 'DeleteProcess', { app: 'shop', pid: 'c1' });
    await assertGrpcRejects(
      grpcUnary(client, 'GetProcess', { app: 'shop', pid: 'c1' }),
      status.NOT_FOUND,
      'PROCESS_NOT_FOUND',
    );
    await grpcUnary(client, 'DeleteApp', { app: 'shop' });
    await assertGrpcRejects(grpcUnary(client, 'GetApp', { app: 'shop' }), status.NOT_FOUND, 'APPLICATION_NOT_FOUND');
  });

  it('maps error codes to gRPC status codes with the error in the trailer', async () => {
    await grpcUnary(client, 'CreateApp', { name: 'errs' });
    await assertGrpcRejects(grpcUnary(client, 'CreateApp', { name: 'errs' }), status.ALREADY_EXISTS, 'ALREADY_EXISTS');
    await assertGrpcRejects(grpcUnary(client, 'CreateApp', { name: 'a.b' }), status.INVALID_ARGUMENT, 'INVALID_NAME');
    await assertGrpcRejects(
      grpcUnary(client, 'Invoke', { app: 'errs', fn: 'add', payload: Buffer.from('{oops') }),
      status.INVALID_ARGUMENT,
      'DECODE_FAILED',
    );
    await assertGrpcRejects(
      grpcUnary(client, 'Invoke', { app: 'errs', fn: 'fail', payload: jsonBytes('user says no') }),
      status.UNKNOWN,
      'FUNCTION_FAILED',
    );
    await assertGrpcRejects(
      grpcUnary(client, 'Invoke', { app: 'nope', fn: 'add' }),
      status.NOT_FOUND,
      'APPLICATION_NOT_FOUND',
    );
    await assertGrpcRejects(
      grpcUnary(client, 'CreateProcess', { app: 'errs', processClass: 'Nope' }),
      status.NOT_FOUND,
      'PROCESS_CLASS_NOT_FOUND',
    );
  });

  it('invokes without a pid on a process of the class that has the function, or of process_class', async () => {
    const two = await startGatewayStack({ processes: [Counter, Ledger] });
    const Gateway = loadGatewayService();
    const other = new Gateway(two.addresses.grpcAddress, credentials.createInsecure());
    try {
      await grpcUnary(other, 'CreateApp', { name: 'books' });
      await grpcUnary(other, 'CreateProcess', { app: 'books', processClass: 'Counter', pid: 'c' });
      const recorded = await grpcUnary<{ payload: Buffer }>(other, 'Invoke', {
        app: 'books',
        fn: 'record',
        payload: jsonBytes('paid'),
      });
      assert.equal(parseJsonBytes(recorded.payload), 1);
      await assertGrpcRejects(
        grpcUnary(other, 'Invoke', { app: 'books', fn: 'get' }),
        status.INVALID_ARGUMENT,
        'INVALID_ARGUMENT',
      );
      const ledger = await grpcUnary<{ payload: Buffer }>(other, 'Invoke', {
        app: 'books',
        fn: 'get',
        processClass: 'Ledger',
      });
      assert.deepEqual(parseJsonBytes(ledger.payload), ['paid']);
      await assertGrpcRejects(
        grpcUnary(other, 'Invoke', { app: 'books', fn: 'record', processClass: 'Counter' }),
        status.NOT_FOUND,
        'FUNCTION_NOT_FOUND',
      );
    } finally {
      other.close();
      await two.close();
    }
  });

  it('streams membership changes, and ends the stream when the gateway stops', async () => {
    await grpcUnary(client, 'CreateApp', { name: 'watched' });
    const call = (client as unknown as Record<string, (r: object) => ClientReadableStream<unknown>>)[
      'WatchProcesses'
    ]!.call(client, { app: 'watched' });
    const events: { type: string; process: ProcessMessage }[] = [];
    let ended = false;
    const finished = new Promise<void>((resolve) => {
      call.on('status', () => {
        ended = true;
        resolve();
      });
      call.on('error', () => undefined);
    });
    const waiters: (() => void)[] = [];
    call.on('data', (e: { type: string; process: ProcessMessage }) => {
      events.push(e);
      waiters.splice(0).forEach((w) => w());
    });
    const waitFor = async (match: (e: { type: string; process: ProcessMessage }) => boolean): Promise<void> => {
      while (!events.some(match)) await new Promise<void>((r) => waiters.push(r));
    };
    await new Promise<void>((resolve) => call.once('metadata', () => resolve()));
    await grpcUnary(client, 'CreateProcess', { app: 'watched', pid: 'w1' });
    await waitFor((e) => e.type === 'put' && e.process.pid === 'w1' && e.process.status === 'active');
    await grpcUnary(client, 'SwapProcess', { app: 'watched', pid: 'w1' });
    await waitFor((e) => e.type === 'put' && e.process.status === 'swapped');
    await grpcUnary(client, 'DeleteProcess', { app: 'watched', pid: 'w1' });
    await waitFor((e) => e.type === 'deleted' && e.process.pid === 'w1');
    await stack.gateway.stop();
    await finished;
    assert.ok(ended);
  });

  it('starts the watch with a snapshot and resumes after the after_revision of the last event', async () => {
    type Event = { type: string; revision: number; process: ProcessMessage | null };
    /** Watches until `synced`, then cancels; the events as `type:pid:status`. */
    const watchUntilSynced = async (request: object): Promise<{ lines: string[]; events: Event[] }> => {
      const call = (client as unknown as Record<string, (r: object) => ClientReadableStream<unknown>>)[
        'WatchProcesses'
      ]!.call(client, request);
      const events: Event[] = [];
      await new Promise<void>((resolve, reject) => {
        call.on('data', (e: Event) => {
          events.push(e);
          if (e.type === 'synced') resolve();
        });
        call.on('error', (e: ServiceError) => (e.code === status.CANCELLED ? undefined : reject(e)));
      });
      call.cancel();
      const lines = events.map((e) =>
        e.process ? `${e.type}:${e.process.pid}:${e.process.status}` : `${e.type}:${e.revision}`,
      );
      return { lines, events };
    };
    await grpcUnary(client, 'CreateApp', { name: 'resume' });
    await grpcUnary(client, 'CreateProcess', { app: 'resume', pid: 'a' });
    await grpcUnary(client, 'CreateProcess', { app: 'resume', pid: 'b' });
    const first = await watchUntilSynced({ app: 'resume' });
    assert.deepEqual(first.lines, ['snapshot:0', 'put:a:active', 'put:b:active', 'synced:0']);
    const last = first.events[2]!.revision;
    assert.ok(last > first.events[1]!.revision);
    await grpcUnary(client, 'SwapProcess', { app: 'resume', pid: 'a' });
    await grpcUnary(client, 'DeleteProcess', { app: 'resume', pid: 'b' });
    const resumed = await watchUntilSynced({ app: 'resume', afterRevision: last });
    assert.deepEqual(
      resumed.lines,
      ['put:a:swapped', 'deleted:b:deleted', 'synced:0'],
      'the newest state of each change',
    );
    assert.ok(resumed.events.slice(0, 2).every((e) => e.revision > last));
    const unknown = await watchUntilSynced({ app: 'resume', afterRevision: 999_999_999 });
    assert.deepEqual(unknown.lines, ['snapshot:0', 'put:a:swapped', 'synced:0']);
  });

  it('refuses payloads over the body limit with RESOURCE_EXHAUSTED', async () => {
    await grpcUnary(client, 'CreateApp', { name: 'big' });
    const huge = jsonBytes('x'.repeat(2 * 1024 * 1024));
    await assert.rejects(grpcUnary(client, 'Invoke', { app: 'big', fn: 'add', payload: huge }), (e: ServiceError) => {
      assert.equal(e.code, status.RESOURCE_EXHAUSTED);
      return true;
    });
    assert.deepEqual(await grpcUnary(client, 'Health', {}), { status: 'SERVING' }, 'the server keeps serving');
  });

  it('refuses to watch an unknown application', async () => {
    const call = (client as unknown as Record<string, (r: object) => ClientReadableStream<unknown>>)[
      'WatchProcesses'
    ]!.call(client, { app: 'unknown' });
    const error = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
    assert.equal(error.code, status.NOT_FOUND);
  });

  it('answers Health and counts calls in the metrics', async () => {
    assert.deepEqual(await grpcUnary(client, 'Health', {}), { status: 'SERVING' });
    await grpcUnary(client, 'ListApps', {});
    const text = await stack.gateway.metrics.render();
    assert.ok(text.includes('praas_gateway_grpc_requests_total{method="Health",code="OK"} 1'), text);
    assert.ok(text.includes('praas_gateway_grpc_requests_total{method="ListApps",code="OK"} 1'), text);
  });

  it('serves grpc.health.v1 Check for the server and the gateway service', async () => {
    const health = loadPackageDefinition(loadSync(HEALTH_PROTO, { enums: String })) as unknown as {
      grpc: {
        health: { v1: { Health: new (address: string, c: ReturnType<typeof credentials.createInsecure>) => Client } };
      };
    };
    const probe = new health.grpc.health.v1.Health(stack.addresses.grpcAddress, credentials.createInsecure());
    const check = (service: string): Promise<{ status: string }> => grpcUnary(probe, 'check', { service });
    try {
      assert.deepEqual(await check(''), { status: 'SERVING' });
      assert.deepEqual(await check('praas.v1.Gateway'), { status: 'SERVING' });
      await assert.rejects(check('praas.v1.Nothing'), (e: ServiceError) => e.code === status.NOT_FOUND);
    } finally {
      probe.close();
    }
  });
});

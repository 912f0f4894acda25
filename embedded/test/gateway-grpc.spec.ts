import assert from 'node:assert/strict';
import { credentials, status, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { ERROR_METADATA_KEY, loadGatewayService } from '@praas/gateway';
import { Counter, Ledger, startGatewayStack, type GatewayStack } from './support/gateway-stack';

type Callback = (error: ServiceError | null, response: unknown) => void;

interface ProcessMessage {
  pid: string;
  status: string;
  address: string;
  generation: number;
  host: string;
}

function unary<T>(client: Client, method: string, request: object): Promise<T> {
  const fn = (client as unknown as Record<string, (r: object, cb: Callback) => void>)[method]!;
  return new Promise((resolve, reject) => fn.call(client, request, (e, r) => (e ? reject(e) : resolve(r as T))));
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const parse = (bytes: Buffer): unknown => (bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined);

/** Asserts a call failed with this gRPC status and our error code in the trailer. */
async function rejectsWith(call: Promise<unknown>, code: status, praasCode: string): Promise<void> {
  await assert.rejects(call, (e: ServiceError) => {
    assert.equal(e.code, code, `${status[e.code]}: ${e.details}`);
    const [raw] = e.metadata.get(ERROR_METADATA_KEY);
    const wire = JSON.parse((raw as Buffer).toString('utf8')) as { code: string; message: string; details: object };
    assert.equal(wire.code, praasCode);
    assert.equal(wire.message, e.details);
    assert.equal(typeof wire.details, 'object');
    return true;
  });
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
    const app = await unary<{ name: string; processClasses: string[]; createdAt: number }>(client, 'CreateApp', {
      name: 'shop',
    });
    assert.deepEqual(app.processClasses, ['Counter']);
    assert.ok(app.createdAt > 0);
    assert.deepEqual(
      (await unary<{ apps: { name: string }[] }>(client, 'ListApps', {})).apps.map((a) => a.name),
      ['shop'],
    );
    const created = await unary<ProcessMessage>(client, 'CreateProcess', { app: 'shop', pid: 'c1' });
    assert.equal(created.status, 'active');
    assert.equal(created.address, 'praas.shop.p.c1');

    const first = await unary<{ payload: Buffer }>(client, 'Invoke', {
      app: 'shop',
      fn: 'add',
      pid: 'c1',
      payload: json(40),
    });
    assert.equal(parse(first.payload), 40);
    const swapped = await unary<ProcessMessage>(client, 'SwapProcess', { app: 'shop', pid: 'c1' });
    assert.equal(swapped.status, 'swapped');
    assert.equal(swapped.host, '');
    const listed = await unary<{ processes: ProcessMessage[] }>(client, 'ListProcesses', { app: 'shop' });
    assert.deepEqual(
      listed.processes.map((p) => [p.pid, p.status]),
      [['c1', 'swapped']],
    );
    const again = await unary<{ payload: Buffer }>(client, 'Invoke', {
      app: 'shop',
      fn: 'add',
      pid: 'c1',
      payload: json(2),
    });
    assert.equal(parse(again.payload), 42, 'swapped in transparently with its state');
    const got = await unary<ProcessMessage>(client, 'GetProcess', { app: 'shop', pid: 'c1' });
    assert.equal(got.status, 'active');
    assert.equal(got.generation, 1);

    await unary(client, 'SendMessage', { app: 'shop', pid: 'c1', key: 'note', data: json('hi') });
    const inbox = await unary<{ payload: Buffer }>(client, 'Invoke', {
      app: 'shop',
      fn: 'inbox',
      pid: 'c1',
      payload: json(1),
    });
    assert.deepEqual(parse(inbox.payload), ['hi']);

    const none = await unary<{ payload: Buffer }>(client, 'Invoke', { app: 'shop', fn: 'nothing', pid: 'c1' });
    assert.equal(none.payload.length, 0, 'undefined travels as an empty payload');

    await unary(client, 'DeleteProcess', { app: 'shop', pid: 'c1' });
    await rejectsWith(unary(client, 'GetProcess', { app: 'shop', pid: 'c1' }), status.NOT_FOUND, 'PROCESS_NOT_FOUND');
    await unary(client, 'DeleteApp', { app: 'shop' });
    await rejectsWith(unary(client, 'GetApp', { app: 'shop' }), status.NOT_FOUND, 'APPLICATION_NOT_FOUND');
  });

  it('maps error codes to gRPC status codes with the error in the trailer', async () => {
    await unary(client, 'CreateApp', { name: 'errs' });
    await rejectsWith(unary(client, 'CreateApp', { name: 'errs' }), status.ALREADY_EXISTS, 'ALREADY_EXISTS');
    await rejectsWith(unary(client, 'CreateApp', { name: 'a.b' }), status.INVALID_ARGUMENT, 'INVALID_NAME');
    await rejectsWith(
      unary(client, 'Invoke', { app: 'errs', fn: 'add', payload: Buffer.from('{oops') }),
      status.INVALID_ARGUMENT,
      'DECODE_FAILED',
    );
    await rejectsWith(
      unary(client, 'Invoke', { app: 'errs', fn: 'fail', payload: json('user says no') }),
      status.UNKNOWN,
      'FUNCTION_FAILED',
    );
    await rejectsWith(unary(client, 'Invoke', { app: 'nope', fn: 'add' }), status.NOT_FOUND, 'APPLICATION_NOT_FOUND');
    await rejectsWith(
      unary(client, 'CreateProcess', { app: 'errs', processClass: 'Nope' }),
      status.NOT_FOUND,
      'PROCESS_CLASS_NOT_FOUND',
    );
  });

  it('invokes without a pid on a process of the class that has the function, or of process_class', async () => {
    const two = await startGatewayStack({ processes: [Counter, Ledger] });
    const Gateway = loadGatewayService();
    const other = new Gateway(two.addresses.grpcAddress, credentials.createInsecure());
    try {
      await unary(other, 'CreateApp', { name: 'books' });
      await unary(other, 'CreateProcess', { app: 'books', processClass: 'Counter', pid: 'c' });
      const recorded = await unary<{ payload: Buffer }>(other, 'Invoke', {
        app: 'books',
        fn: 'record',
        payload: json('paid'),
      });
      assert.equal(parse(recorded.payload), 1);
      await rejectsWith(
        unary(other, 'Invoke', { app: 'books', fn: 'get' }),
        status.INVALID_ARGUMENT,
        'INVALID_ARGUMENT',
      );
      const ledger = await unary<{ payload: Buffer }>(other, 'Invoke', {
        app: 'books',
        fn: 'get',
        processClass: 'Ledger',
      });
      assert.deepEqual(parse(ledger.payload), ['paid']);
      await rejectsWith(
        unary(other, 'Invoke', { app: 'books', fn: 'record', processClass: 'Counter' }),
        status.NOT_FOUND,
        'FUNCTION_NOT_FOUND',
      );
    } finally {
      other.close();
      await two.close();
    }
  });

  it('streams membership changes, and ends the stream when the gateway stops', async () => {
    await unary(client, 'CreateApp', { name: 'watched' });
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
    await unary(client, 'CreateProcess', { app: 'watched', pid: 'w1' });
    await waitFor((e) => e.type === 'put' && e.process.pid === 'w1' && e.process.status === 'active');
    await unary(client, 'SwapProcess', { app: 'watched', pid: 'w1' });
    await waitFor((e) => e.type === 'put' && e.process.status === 'swapped');
    await unary(client, 'DeleteProcess', { app: 'watched', pid: 'w1' });
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
    await unary(client, 'CreateApp', { name: 'resume' });
    await unary(client, 'CreateProcess', { app: 'resume', pid: 'a' });
    await unary(client, 'CreateProcess', { app: 'resume', pid: 'b' });
    const first = await watchUntilSynced({ app: 'resume' });
    assert.deepEqual(first.lines, ['snapshot:0', 'put:a:active', 'put:b:active', 'synced:0']);
    const last = first.events[2]!.revision;
    assert.ok(last > first.events[1]!.revision);
    await unary(client, 'SwapProcess', { app: 'resume', pid: 'a' });
    await unary(client, 'DeleteProcess', { app: 'resume', pid: 'b' });
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
    await unary(client, 'CreateApp', { name: 'big' });
    const huge = json('x'.repeat(2 * 1024 * 1024));
    await assert.rejects(unary(client, 'Invoke', { app: 'big', fn: 'add', payload: huge }), (e: ServiceError) => {
      assert.equal(e.code, status.RESOURCE_EXHAUSTED);
      return true;
    });
    assert.deepEqual(await unary(client, 'Health', {}), { status: 'SERVING' }, 'the server keeps serving');
  });

  it('refuses to watch an unknown application', async () => {
    const call = (client as unknown as Record<string, (r: object) => ClientReadableStream<unknown>>)[
      'WatchProcesses'
    ]!.call(client, { app: 'unknown' });
    const error = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
    assert.equal(error.code, status.NOT_FOUND);
  });

  it('answers Health and counts calls in the metrics', async () => {
    assert.deepEqual(await unary(client, 'Health', {}), { status: 'SERVING' });
    await unary(client, 'ListApps', {});
    const text = await stack.gateway.metrics.render();
    assert.ok(text.includes('praas_gateway_grpc_requests_total{method="Health",code="OK"} 1'), text);
    assert.ok(text.includes('praas_gateway_grpc_requests_total{method="ListApps",code="OK"} 1'), text);
  });
});

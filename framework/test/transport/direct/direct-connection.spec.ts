import assert from 'node:assert/strict';
import net from 'node:net';
import { Packr } from 'msgpackr';
import { InvalidArgumentError, PraasError, TimeoutError, type RequestHandler } from '../../../src/internal';
import { ConnectionLostError, DirectConnection } from '../../../src/transport/direct/direct-connection';
import { DirectServer } from '../../../src/transport/direct/direct-server';
import { appDataSecret, handshakeProof } from '../../../src/transport/direct/handshake-proof';
import { encodeFrame, FRAME_VERSION, FrameKind } from '../../../src/transport/direct/frame';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const HOUR = 3_600_000;

/** A handler whose calls wait until the test releases them. */
function gatedHandler(): { handler: RequestHandler; seen: string[]; release: () => void } {
  const seen: string[] = [];
  const gates: (() => void)[] = [];
  let open = false;
  return {
    seen,
    handler: (d) => {
      seen.push(text(d));
      if (open) return Promise.resolve(d);
      return new Promise((resolve) => gates.push(() => resolve(d)));
    },
    release: () => {
      open = true;
      for (const g of gates.splice(0)) g();
    },
  };
}

describe('direct data plane: connection and server on loopback sockets', () => {
  let server: DirectServer;
  let handlers: Map<string, RequestHandler>;
  let port: number;
  const connections: DirectConnection[] = [];
  const connect = (options: Partial<{ app: string; maxInFlight: number; maxInFlightBytes: number }> = {}) => {
    const c = new DirectConnection({ host: '127.0.0.1', port }, { app: 'demo', from: 'test', ...options });
    connections.push(c);
    return c;
  };

  beforeEach(async () => {
    handlers = new Map();
    server = new DirectServer({ app: 'demo', hostId: 'h1' }, (subject) => handlers.get(subject));
    port = (await server.listen()).port;
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
    await server.close();
  });

  it('answers requests by id, whatever order the handlers finish in', async () => {
    handlers.set('s', (d) => new Promise((resolve) => setTimeout(() => resolve(d), 60 - 10 * Number(text(d)))));
    const c = connect();
    const replies = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => c.request('s', bytes(String(i)), 5_000)));
    assert.deepEqual(
      replies.map((r) => (r.kind === 'reply' ? text(r.data) : r.kind)),
      ['0', '1', '2', '3', '4', '5'],
    );
  });

  it('hands requests to the handler in the order they were made', async () => {
    const order: number[] = [];
    handlers.set('s', (d) => (order.push(Number(text(d))), Promise.resolve(d)));
    const c = connect();
    await Promise.all(Array.from({ length: 2_000 }, (_, i) => c.request('s', bytes(String(i)), 10_000)));
    assert.deepEqual(
      order,
      Array.from({ length: 2_000 }, (_, i) => i),
    );
  });

  it('answers NOT_HERE for a subject nobody serves on that host', async () => {
    const reply = await connect().request('nobody', bytes('x'), 5_000);
    assert.equal(reply.kind, 'not-here');
  });

  it("fails a request with the handler's error, rebuilt", async () => {
    handlers.set('bad', () => Promise.reject(new InvalidArgumentError('bad input', { field: 'x' })));
    handlers.set('throws', () => {
      throw new InvalidArgumentError('thrown, not rejected');
    });
    const c = connect();
    await assert.rejects(
      c.request('bad', bytes('x'), 5_000),
      (e: unknown) => e instanceof InvalidArgumentError && e.message === 'bad input' && e.details['field'] === 'x',
    );
    await assert.rejects(c.request('throws', bytes('x'), 5_000), /thrown, not rejected/);
  });

  it('writes the requests made in one tick together: one write for the batch', async () => {
    handlers.set('s', (d) => Promise.resolve(d));
    const c = connect();
    await c.request('s', bytes('warm'), 5_000); // Connected, hello answered.
    const proto = net.Socket.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const original = { write: proto['_write']!, writev: proto['_writev']! };
    let writes = 0;
    proto['_write'] = function (this: net.Socket, ...args: unknown[]) {
      if (this.remotePort === port) writes++;
      return original.write.apply(this, args);
    };
    proto['_writev'] = function (this: net.Socket, ...args: unknown[]) {
      if (this.remotePort === port) writes++;
      return original.writev.apply(this, args);
    };
    try {
      const batch = Array.from({ length: 200 }, (_, i) => c.request('s', bytes(`m${i}`), 5_000));
      await Promise.all(batch);
    } finally {
      proto['_write'] = original.write;
      proto['_writev'] = original.writev;
    }
    assert.equal(writes, 1, `200 requests of one tick took ${writes} writes`);
  });

  it('keeps at most maxInFlight requests unanswered; the rest wait their turn, in order', async () => {
    const gate = gatedHandler();
    handlers.set('s', gate.handler);
    const c = connect({ maxInFlight: 4 });
    const all = Array.from({ length: 10 }, (_, i) => c.request('s', bytes(String(i)), 10_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(gate.seen, ['0', '1', '2', '3'], 'only four reached the server');
    gate.release();
    await Promise.all(all);
    assert.deepEqual(
      gate.seen,
      Array.from({ length: 10 }, (_, i) => String(i)),
    );
  });

  it('bounds the bytes in flight too, but lets one request larger than the bound go alone', async () => {
    const gate = gatedHandler();
    handlers.set('s', gate.handler);
    const c = connect({ maxInFlightBytes: 1_000 });
    const big = c.request('s', new Uint8Array(5_000).fill(49), 10_000);
    const after = c.request('s', bytes('small'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(gate.seen.length, 1, 'the small one waits behind the large one');
    gate.release();
    await Promise.all([big, after]);
    assert.equal(gate.seen.length, 2);
  });

  it('fails every pending and waiting request at once when the connection breaks', async () => {
    const gate = gatedHandler();
    handlers.set('s', gate.handler);
    const c = connect({ maxInFlight: 3 });
    const results = Array.from({ length: 6 }, (_, i) =>
      c.request('s', bytes(String(i)), HOUR).then(
        () => 'answered',
        (e: unknown) => e,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.close(); // The peer goes away; no request waits for its hour-long timeout.
    const outcomes = await Promise.all(results);
    for (const o of outcomes) assert.ok(o instanceof ConnectionLostError, String(o));
    const sent = outcomes.map((o) => (o as ConnectionLostError).sent);
    assert.deepEqual(sent, [true, true, true, false, false, false], 'written ones may have arrived, waiting ones not');
    assert.equal(c.open, false);
    await assert.rejects(c.request('s', bytes('later'), 1_000), ConnectionLostError);
  });

  it('fails with ConnectionLostError when nothing listens, not after the timeout', async () => {
    await server.close();
    const c = connect();
    await assert.rejects(
      c.request('s', bytes('x'), HOUR),
      (e: unknown) => e instanceof ConnectionLostError && !c.established && /ECONNREFUSED/.test(e.message),
    );
  });

  it('fails over when the peer accepts the connection but never answers the hello (not a praas host)', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const c = new DirectConnection(
      { host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port },
      { app: 'demo', from: 'test', connectTimeoutMs: 100 },
    );
    connections.push(c);
    try {
      await assert.rejects(
        c.request('s', bytes('x'), HOUR),
        (e: unknown) => e instanceof ConnectionLostError && /did not answer the hello/.test(e.message),
      );
      assert.deepEqual([c.established, c.welcomed], [true, false]);
    } finally {
      silent.close();
    }
  });

  it('is refused by a host of another application', async () => {
    handlers.set('s', (d) => Promise.resolve(d));
    const c = connect({ app: 'other' });
    await assert.rejects(
      c.request('s', bytes('x'), HOUR),
      (e: unknown) => e instanceof ConnectionLostError && /serves application 'demo', not 'other'/.test(e.message),
    );
    assert.equal(c.welcomed, false);
  });

  it('times a request out, frees its slot, and ignores the late reply', async () => {
    handlers.set('slow', (d) => new Promise((resolve) => setTimeout(() => resolve(d), 300)));
    handlers.set('fast', (d) => Promise.resolve(d));
    const c = connect({ maxInFlight: 1 });
    await assert.rejects(
      c.request('slow', bytes('x'), 50),
      (e: unknown) => e instanceof TimeoutError && e instanceof PraasError && e.retryable,
    );
    const reply = await c.request('fast', bytes('next'), 5_000);
    assert.deepEqual(reply.kind === 'reply' && text(reply.data), 'next');
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(c.open, true, 'the late reply did not break the connection');
  });
});

describe('direct data plane: the application secret in the handshake', () => {
  const secret = Buffer.from(appDataSecret('master', 'demo'), 'hex');
  let server: DirectServer;
  let port: number;
  const connections: DirectConnection[] = [];
  const connect = (options: { app?: string; secret?: Uint8Array } = {}): DirectConnection => {
    const c = new DirectConnection({ host: '127.0.0.1', port }, { app: 'demo', from: 'test', ...options });
    connections.push(c);
    return c;
  };

  beforeEach(async () => {
    server = new DirectServer({ app: 'demo', hostId: 'h1', secret }, () => (d) => Promise.resolve(d));
    port = (await server.listen()).port;
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
    await server.close();
  });

  it('serves a dialler that proves the secret, with requests written before the challenge in order', async () => {
    const c = connect({ secret });
    const replies = await Promise.all(['1', '2', '3'].map((s) => c.request('s', bytes(s), 5_000)));
    assert.deepEqual(
      replies.map((r) => (r.kind === 'reply' ? text(r.data) : r.kind)),
      ['1', '2', '3'],
    );
    assert.equal(c.welcomed, true);
  });

  it("refuses a dialler without the secret, with another application's secret, or naming the application only", async () => {
    const otherApp = Buffer.from(appDataSecret('master', 'bank'), 'hex');
    for (const [label, options] of [
      ['no secret', {}],
      ["bank's secret", { secret: otherApp }],
    ] as const) {
      const c = connect(options);
      await assert.rejects(c.request('s', bytes('x'), HOUR), ConnectionLostError, label);
      assert.equal(c.welcomed, false, label);
    }
  });

  it('refuses a hand-made hello that names the application and carries a made-up or replayed proof', async () => {
    const packr = new Packr({ useRecords: false });
    // A proof computed for another nonce (as if recorded from an earlier connection) is worthless.
    const recorded = handshakeProof(secret, Buffer.alloc(16, 7), 'demo', 'intruder');
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const b of encodeFrame(
      FrameKind.Hello,
      0,
      packr.pack({ v: FRAME_VERSION, app: 'demo', from: 'intruder', proof: recorded }),
    ))
      socket.write(b);
    await new Promise((resolve) => socket.once('close', resolve));
    assert.match(
      Buffer.concat(received).toString('latin1'),
      /does not prove the data-plane secret of application 'demo'/,
    );
  });
});

import assert from 'node:assert/strict';
import {
  AnnouncedRoutes,
  DirectTransport,
  MemoryTransport,
  NoRespondersError,
  type RequestHandler,
  type RequestOptions,
  type Transport,
} from '../../../src/internal';
import { transportContract } from '../../../src/testing';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The in-memory transport, counting the requests that take it (the fallback path). */
class CountingTransport extends MemoryTransport {
  requests = 0;
  override request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    this.requests++;
    return super.request(subject, data, options);
  }
}

// Every client is a DirectTransport on its own data port, over one shared in-memory transport (the
// fallback path), announcing what it serves: requests between them go over loopback TCP.
let inner: CountingTransport | undefined;
let routes = new AnnouncedRoutes();
let hosts = 0;
transportContract('DirectTransport over the in-memory transport', {
  create: () =>
    DirectTransport.create((inner ??= new CountingTransport()), {
      from: `h${hosts}`,
      routes,
      listen: { app: 'contract', hostId: `h${hosts++}` },
      ownsInner: false,
    }),
  dispose: async (transports: Transport[]) => {
    for (const t of transports) await t.close();
    await inner?.close();
    inner = undefined;
    routes = new AnnouncedRoutes();
  },
});

describe('DirectTransport', () => {
  let shared: CountingTransport;
  let table: AnnouncedRoutes;
  const opened: DirectTransport[] = [];
  const host = async (id: string): Promise<DirectTransport> => {
    const t = await DirectTransport.create(shared, {
      from: id,
      routes: table,
      listen: { app: 'demo', hostId: id },
      ownsInner: false,
    });
    opened.push(t);
    return t;
  };
  const dialler = async (): Promise<DirectTransport> => {
    const t = await DirectTransport.create(shared, { from: 'client', routes: table, ownsInner: false });
    opened.push(t);
    return t;
  };
  const echo: RequestHandler = (d) => Promise.resolve(bytes(`echo:${text(d)}`));

  beforeEach(() => {
    shared = new CountingTransport();
    table = new AnnouncedRoutes();
  });
  afterEach(async () => {
    for (const t of opened.splice(0)) await t.close();
    await shared.close();
  });

  it('carries a request with a known route over the direct connection, not the inner transport', async () => {
    const a = await host('a');
    const b = await dialler();
    await a.serve('praas.demo.p.w1', echo);
    for (let i = 0; i < 5; i++)
      assert.equal(text(await b.request('praas.demo.p.w1', bytes(`${i}`), { timeoutMs: 5_000 })), `echo:${i}`);
    assert.equal(shared.requests, 0);
    assert.equal(b.connections, 1, 'one connection, kept');
    assert.match(a.address!, /^127\.0\.0\.1:\d+$/);
  });

  it('takes the inner transport when the host answers NOT_HERE, and forgets the stale route', async () => {
    const a = await host('a');
    const b = await dialler();
    const sub = await a.serve('praas.demo.p.w1', echo);
    await sub.unsubscribe();
    await shared.serve('praas.demo.p.w1', (d) => Promise.resolve(bytes(`moved:${text(d)}`)));
    assert.equal(text(await b.request('praas.demo.p.w1', bytes('x'), { timeoutMs: 5_000 })), 'moved:x');
    assert.equal(shared.requests, 1);
    assert.equal(table.lookup('praas.demo.p.w1'), undefined, 'the NOT_HERE answer corrected the cache');
  });

  it('takes the inner transport at once when the host does not answer on its port, and leaves the address alone for a while', async () => {
    const a = await host('a');
    const b = await dialler();
    await a.serve('praas.demo.p.w1', echo);
    const route = table.lookup('praas.demo.p.w1')!;
    await a.close(); // Its port refuses from now on; its route stays in the table, like a stale cache entry.
    await assert.rejects(b.request('praas.demo.p.w1', bytes('x'), { timeoutMs: 60_000 }), NoRespondersError);
    assert.equal(shared.requests, 1);
    assert.equal(table.lookup('praas.demo.p.w1'), undefined, 'routes to the unreachable address are forgotten');
    table.served('praas.demo.p.w1', route);
    await shared.serve('praas.demo.p.w1', echo);
    assert.equal(text(await b.request('praas.demo.p.w1', bytes('y'), { timeoutMs: 60_000 })), 'echo:y');
    assert.equal(shared.requests, 2);
    assert.deepEqual(
      table.lookup('praas.demo.p.w1'),
      route,
      'not dialled again right away (a refusal would forget it)',
    );
  });

  it('falls back with the same bytes when the connection breaks while the request is in flight', async () => {
    const a = await host('a');
    const b = await dialler();
    let reachedA = 0;
    await a.serve('praas.demo.p.w1', () => (reachedA++, new Promise<Uint8Array>(() => undefined)));
    const pending = b.request('praas.demo.p.w1', bytes('x'), { timeoutMs: 60_000 });
    while (reachedA === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await shared.serve('praas.demo.p.w1', (d) => Promise.resolve(bytes(`fallback:${text(d)}`)));
    await a.close(); // Ends its subscriptions too: only the fallback server is left on the inner transport.
    assert.equal(text(await pending), 'fallback:x');
  });

  it('after a broken connection, tries the fallback again when its first try does not answer soon (a dead peer the broker still routes to)', async () => {
    // The peer has an inner transport of its own, so only the test's server answers the fallback:
    // first like a dead host the broker still routes to (never), then like a live one.
    const a = await DirectTransport.create(new MemoryTransport(), {
      from: 'a',
      routes: table,
      listen: { app: 'demo', hostId: 'a' },
    });
    opened.push(a);
    const b = await dialler();
    let reachedA = 0;
    await a.serve('praas.demo.p.w1', () => (reachedA++, new Promise<Uint8Array>(() => undefined)));
    let fallbacks = 0;
    await shared.serve('praas.demo.p.w1', (d) =>
      ++fallbacks === 1 ? new Promise<Uint8Array>(() => undefined) : Promise.resolve(bytes(`retried:${text(d)}`)),
    );
    const pending = b.request('praas.demo.p.w1', bytes('x'), { timeoutMs: 60_000 });
    while (reachedA === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await a.close();
    assert.equal(text(await pending), 'retried:x');
    assert.equal(fallbacks, 2);
  });

  it('serves a subject on the inner transport too, and stops on both when unsubscribed', async () => {
    const a = await host('a');
    const sub = await a.serve('praas.demo.p.w1', echo);
    assert.equal(text(await shared.request('praas.demo.p.w1', bytes('n'), { timeoutMs: 1_000 })), 'echo:n');
    await sub.unsubscribe();
    await assert.rejects(shared.request('praas.demo.p.w1', bytes('n'), { timeoutMs: 1_000 }), NoRespondersError);
  });

  it('refuses an advertised address that is not host or host:port, and frees the port', async () => {
    await assert.rejects(
      DirectTransport.create(shared, {
        from: 'x',
        routes: table,
        listen: { app: 'demo', hostId: 'x', advertise: 'not an address' },
        ownsInner: false,
      }),
      /advertised direct data-plane address must be host:port/,
    );
  });

  it('advertises the given host with the bound port, or the given host:port as it is', async () => {
    const advertising = async (hostId: string, advertise: string): Promise<DirectTransport> => {
      const t = await DirectTransport.create(shared, {
        from: hostId,
        routes: table,
        listen: { app: 'demo', hostId, advertise },
        ownsInner: false,
      });
      opened.push(t);
      return t;
    };
    assert.match((await advertising('a', 'node-7.cluster')).address!, /^node-7\.cluster:\d+$/);
    assert.equal((await advertising('b', '10.1.2.3:7400')).address, '10.1.2.3:7400');
  });
});

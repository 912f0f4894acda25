import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRegistry, MemoryTransport, parseAddress, type RequestOptions } from '@praas/framework/internal';
import { FsSwapStore, RuntimeHost, type DataPlaneOption } from '../../src';
import { Worker } from '../fixtures';

/** The in-memory transport, counting requests to process subjects: what takes the NATS path. */
class CountingTransport extends MemoryTransport {
  processRequests = 0;
  override request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    if (subject.includes('.p.')) this.processRequests++;
    return super.request(subject, data, options);
  }
}

const refused = (address: string): Promise<boolean> =>
  new Promise((resolve) => {
    const { host, port } = parseAddress(address);
    const socket = net.connect(port, host);
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

describe('RuntimeHost on the direct data plane', () => {
  const app = 'direct';
  let transport: CountingTransport;
  let registry: MemoryRegistry;
  let dir: string;
  let hosts: RuntimeHost[];

  const start = async (hostId: string, dataPlane: DataPlaneOption): Promise<RuntimeHost> => {
    const host = new RuntimeHost({
      app,
      processes: [Worker],
      transport,
      registry,
      store: new FsSwapStore(dir),
      hostId,
      dataPlane,
    });
    await host.start();
    hosts.push(host);
    return host;
  };
  const invoke = async <R>(host: RuntimeHost, pid: string, fn: string, data: unknown): Promise<R> =>
    await host.local(pid)!.api.invoke(pid, fn, data);

  beforeEach(async () => {
    transport = new CountingTransport();
    registry = new MemoryRegistry();
    dir = await mkdtemp(join(tmpdir(), 'praas-direct-host-'));
    hosts = [];
  });
  afterEach(async () => {
    for (const h of hosts) await h.stop({ swapOut: false });
    await transport.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('advertises its data port in its host record', async () => {
    const h1 = await start('h1', 'direct');
    assert.match(h1.dataAddress!, /^127\.0\.0\.1:\d+$/);
    const [record] = await registry.listHosts(app);
    assert.equal(record?.dataAddress, h1.dataAddress);
    const plain = await start('h2', 'nats');
    assert.equal(plain.dataAddress, undefined);
    assert.equal((await registry.listHosts(app)).find((h) => h.id === 'h2')?.dataAddress, undefined);
  });

  it('carries invocations and messages between processes on two hosts over the direct connection', async () => {
    const h1 = await start('h1', 'direct');
    const h2 = await start('h2', 'direct');
    await h1.create('a', 'Worker');
    await h2.create('b', 'Worker');
    await new Promise((resolve) => setImmediate(resolve)); // The watch brings the routes.
    for (let i = 1; i <= 20; i++) {
      assert.equal(await invoke(h1, 'a', 'callOther', { to: 'b', fn: 'inc', data: 1 }), i);
    }
    const values = Array.from({ length: 200 }, (_, i) => i);
    const receiving = invoke<number>(h2, 'b', 'record', { key: 'k', n: 200 });
    await invoke(h1, 'a', 'sendTo', { to: 'b', key: 'k', values });
    assert.equal(await receiving, 200);
    assert.deepEqual(
      await invoke(h2, 'b', 'receivedSoFar', null),
      values.map((v) => `a:${v}`),
    );
    assert.equal(transport.processRequests, 0, 'nothing took the NATS path');
  });

  it('reaches a host on the NATS data plane over NATS', async () => {
    const h1 = await start('h1', 'direct');
    const h2 = await start('h2', 'nats');
    await h1.create('a', 'Worker');
    await h2.create('b', 'Worker');
    assert.equal(await invoke(h1, 'a', 'callOther', { to: 'b', fn: 'inc', data: 5 }), 5);
    assert.equal(await invoke(h2, 'b', 'callOther', { to: 'a', fn: 'inc', data: 7 }), 7);
    assert.equal(transport.processRequests, 2);
  });

  it('follows a process that swaps out and back in on another host', async () => {
    const h1 = await start('h1', 'direct');
    const h2 = await start('h2', 'direct');
    const h3 = await start('h3', 'direct');
    await h1.create('a', 'Worker');
    await h2.create('b', 'Worker');
    assert.equal(await invoke(h1, 'a', 'callOther', { to: 'b', fn: 'inc', data: 1 }), 1);
    await h2.swapOut('b');
    await h3.activate('b');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await invoke(h1, 'a', 'callOther', { to: 'b', fn: 'inc', data: 1 }), 2);
    assert.equal(h3.local('b')?.status, 'active');
    const before = transport.processRequests;
    assert.equal(await invoke(h1, 'a', 'callOther', { to: 'b', fn: 'inc', data: 1 }), 3);
    assert.equal(transport.processRequests, before, 'the route to its new host was learned');
  });

  it('stops listening when it stops', async () => {
    const h1 = await start('h1', 'direct');
    const address = h1.dataAddress!;
    assert.equal(await refused(address), false);
    await h1.stop({ swapOut: false });
    hosts = [];
    assert.equal(await refused(address), true);
  });
});

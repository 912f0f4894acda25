import assert from 'node:assert/strict';
import { MemoryRegistry, processSubject, RegistryRoutes, type ProcessRecord } from '../../../src/internal';

const APP = 'demo';
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The memory registry, counting process reads. */
class CountingRegistry extends MemoryRegistry {
  reads = 0;
  override getProcess(app: string, pid: string): Promise<ProcessRecord | undefined> {
    this.reads++;
    return super.getProcess(app, pid);
  }
}

describe('RegistryRoutes', () => {
  let registry: CountingRegistry;
  let routes: RegistryRoutes;
  const record = (pid: string, status: ProcessRecord['status'], host?: string): ProcessRecord => ({
    app: APP,
    pid,
    processClass: 'Worker',
    status,
    generation: 0,
    updatedAt: Date.now(),
    ...(host === undefined ? {} : { host }),
  });
  const host = (id: string, dataAddress?: string) =>
    registry.putHost({
      id,
      app: APP,
      startedAt: 0,
      heartbeatAt: Date.now(),
      activeProcesses: 0,
      ...(dataAddress === undefined ? {} : { dataAddress }),
    });

  beforeEach(async () => {
    registry = new CountingRegistry();
    routes = new RegistryRoutes(registry, { lookupIntervalMs: 60_000 });
    await host('h1', '127.0.0.1:7001');
    await host('h2', '127.0.0.1:7002');
  });
  afterEach(() => routes.close());

  it('misses a process it has not seen, reads it in the background, and routes the next request', async () => {
    await registry.putProcess(record('w1', 'active', 'h1'));
    assert.equal(routes.lookup(processSubject(APP, 'w1')), undefined, 'a miss never waits');
    await settle();
    assert.deepEqual(routes.lookup(processSubject(APP, 'w1')), { address: '127.0.0.1:7001', app: APP });
  });

  it('reads a missed pid once, not once per request', async () => {
    for (let i = 0; i < 100; i++) routes.lookup(processSubject(APP, 'nobody'));
    await settle();
    for (let i = 0; i < 100; i++) routes.lookup(processSubject(APP, 'nobody'));
    assert.equal(registry.reads, 1);
  });

  it('follows the watch: a process that moves is routed to its new host; a swapped one is not routed', async () => {
    await routes.start(APP);
    await registry.putProcess(record('w1', 'active', 'h1'));
    await settle();
    assert.equal(routes.lookup(processSubject(APP, 'w1'))?.address, '127.0.0.1:7001');
    await registry.putProcess(record('w1', 'swapping-out', 'h1'));
    await settle();
    assert.equal(routes.lookup(processSubject(APP, 'w1')), undefined);
    await registry.putProcess(record('w1', 'active', 'h2'));
    await settle();
    assert.equal(routes.lookup(processSubject(APP, 'w1'))?.address, '127.0.0.1:7002');
    await registry.deleteProcess(APP, 'w1');
    await settle();
    assert.equal(routes.lookup(processSubject(APP, 'w1')), undefined);
  });

  it('forgets a route when its host answered NOT_HERE, but not one that moved meanwhile', async () => {
    await routes.start(APP);
    await registry.putProcess(record('w1', 'active', 'h1'));
    await settle();
    routes.forget(processSubject(APP, 'w1'), '127.0.0.1:7002');
    assert.equal(routes.lookup(processSubject(APP, 'w1'))?.address, '127.0.0.1:7001', 'another address: kept');
    routes.forget(processSubject(APP, 'w1'), '127.0.0.1:7001');
    assert.equal(routes.lookup(processSubject(APP, 'w1')), undefined);
  });

  it('reads the address of a host again when it became unreachable (a restart on another port)', async () => {
    await routes.start(APP);
    await registry.putProcess(record('w1', 'active', 'h1'));
    await settle();
    await host('h1', '127.0.0.1:7011');
    routes.unreachable('127.0.0.1:7001');
    await settle();
    assert.equal(routes.lookup(processSubject(APP, 'w1'))?.address, '127.0.0.1:7011');
  });

  it('does not route a host that advertises no data address, nor subjects other than process subjects', async () => {
    await host('h3');
    await routes.start(APP);
    await registry.putProcess(record('w3', 'active', 'h3'));
    await settle();
    assert.equal(routes.lookup(processSubject(APP, 'w3')), undefined);
    assert.equal(routes.lookup('praas.demo.host.h1'), undefined);
    assert.equal(routes.lookup('something.else'), undefined);
    await settle();
    assert.equal(registry.reads, 0);
  });
});

import assert from 'node:assert/strict';
import {
  decodeControl,
  encodeWire,
  hostSubject,
  MemoryRegistry,
  MemoryTransport,
  processSubject,
  type Subscription,
} from '@praas/framework';
import { ControlPlane, RegisteredHostProvider } from '../../src';

describe('control plane placement', () => {
  const app = 'place';
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  const subscriptions: Subscription[] = [];

  beforeEach(async () => {
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
    // Two hosts whose heartbeats say they hold nothing, and never beat again: only the process
    // records (written by a host before it answers a create) show the load.
    for (const id of ['h1', 'h2']) {
      await registry.putHost({
        id,
        app,
        startedAt: Date.now(),
        heartbeatAt: Date.now(),
        activeProcesses: 0,
        processClasses: ['Counter'],
      });
      subscriptions.push(
        await transport.serve(hostSubject(app, id), async (bytes) => {
          const request = decodeControl(bytes);
          if (request.op === 'delete') {
            await registry.deleteProcess(app, request.pid);
            return encodeWire({ ok: true });
          }
          const record = {
            app,
            pid: request.pid,
            processClass: request.processClass ?? 'Counter',
            status: 'active' as const,
            host: id,
            generation: 0,
            updatedAt: Date.now(),
          };
          await registry.putProcess(record);
          return encodeWire({ ok: true, data: encodeWire({ ...record, address: processSubject(app, request.pid) }) });
        }),
      );
    }
  });
  afterEach(async () => {
    for (const s of subscriptions.splice(0)) await s.unsubscribe();
    await registry.close();
    await transport.close();
  });

  it('spreads processes created in quick succession over the hosts, before any heartbeat tells', async () => {
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
    await plane.createApp(app);
    const hosts: string[] = [];
    for (let i = 0; i < 6; i++) hosts.push((await plane.createProcess(app)).host ?? '');
    assert.deepEqual(hosts.filter((h) => h === 'h1').length, 3, `placed on ${hosts.join(', ')}`);
    assert.equal(hosts.filter((h) => h === 'h2').length, 3, `placed on ${hosts.join(', ')}`);
  });

  it('spreads a concurrent burst of creates over the hosts while none has answered yet', async () => {
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
    await plane.createApp(app);
    const created = await Promise.all(Array.from({ length: 6 }, () => plane.createProcess(app)));
    const hosts = created.map((p) => p.host ?? '');
    assert.equal(hosts.filter((h) => h === 'h1').length, 3, `placed on ${hosts.join(', ')}`);
    assert.equal(hosts.filter((h) => h === 'h2').length, 3, `placed on ${hosts.join(', ')}`);
  });

  it('passes over a host whose heartbeat is older than hostStaleMs, however little it holds', async () => {
    // h1 stopped beating 3 s ago; h2 beats and already holds a process.
    const [h1, h2] = await registry.listHosts(app).then((hs) => hs.sort((a, b) => a.id.localeCompare(b.id)));
    await registry.putHost({ ...h1!, heartbeatAt: Date.now() - 3_000 });
    await registry.putHost({ ...h2!, heartbeatAt: Date.now() });
    const plane = new ControlPlane({
      transport,
      registry,
      provider: new RegisteredHostProvider(registry, 1_000, 1_500),
      hostStaleMs: 1_500,
    });
    await plane.createApp(app);
    assert.equal((await plane.createProcess(app)).host, 'h2');
    assert.equal((await plane.createProcess(app)).host, 'h2', 'not on h1, though it holds nothing');
  });

  it('passes over a host that nobody serves any more, though its heartbeat is fresh', async () => {
    // h3 registered and died at once: its record looks live, but no one answers on its subject.
    await registry.putHost({ id: 'h3', app, startedAt: Date.now(), heartbeatAt: Date.now(), activeProcesses: 0 });
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
    await plane.createApp(app);
    const hosts: string[] = [];
    for (let i = 0; i < 4; i++) hosts.push((await plane.createProcess(app)).host ?? '');
    assert.deepEqual(hosts.sort(), ['h1', 'h1', 'h2', 'h2']);
    // A process the registry still places on the dead host is deleted by a live one.
    await registry.putProcess({
      app,
      pid: 'orphan',
      processClass: 'Counter',
      status: 'active',
      host: 'h3',
      generation: 0,
      updatedAt: Date.now(),
    });
    await plane.deleteProcess(app, 'orphan');
    assert.equal(await registry.getProcess(app, 'orphan'), undefined);
  });
});

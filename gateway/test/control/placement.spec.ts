import assert from 'node:assert/strict';
import {
  CodeLoadFailedError,
  decodeControl,
  encodeWire,
  hostSubject,
  MemoryRegistry,
  MemoryTransport,
  toWireError,
  type ControlRequest,
  type Subscription,
} from '@praas/framework/internal';
import { ControlPlane, RegisteredHostProvider } from '../../src';
import { answerCreated } from '../support/fake-host';

describe('control plane placement', () => {
  const app = 'place';
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  const subscriptions: Subscription[] = [];
  /** Hosts that answer a create with CODE_LOAD_FAILED, as a host does whose newest code did not load. */
  let failing: Set<string>;
  /** Every control request the hosts got. */
  let requests: (ControlRequest & { host: string })[];

  beforeEach(async () => {
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
    failing = new Set();
    requests = [];
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
          requests.push({ ...request, host: id });
          if (request.op === 'create' && failing.has(id)) {
            const error = new CodeLoadFailedError(app, 2, "Cannot find module 'left-pad'", id);
            return encodeWire({ ok: false, error: toWireError(error) });
          }
          if (request.op === 'delete') {
            await registry.deleteProcess(app, request.pid);
            return encodeWire({ ok: true });
          }
          return answerCreated(registry, app, id, request);
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

  it('creates an application at once while no host runs (a registry operation)', async () => {
    const removed = await registry.listHosts(app);
    for (const h of removed) await registry.deleteHost(app, h.id);
    // A provider that would wait a minute for a host: creating the application must not ask it to.
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry, 60_000) });
    const created = await plane.createApp(app);
    assert.deepEqual(created.processClasses, []);
    assert.match((await registry.getApp(app))?.incarnation ?? '', /^[0-9a-f-]{36}$/);
    await assert.rejects(plane.createApp(app), { code: 'ALREADY_EXISTS' });
  });

  it('takes over, once, an application that a host created as it registered its classes', async () => {
    await registry.putApp({
      name: app,
      incarnation: 'i1',
      createdAt: 1,
      processClasses: ['Counter'],
      functions: { Counter: ['add'] },
      createdByHost: 'h1',
    });
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
    const taken = await plane.createApp(app, { processClasses: ['Counter', 'Audit'] });
    assert.deepEqual([taken.processClasses, taken.createdAt], [['Counter', 'Audit'], 1]);
    assert.deepEqual(await registry.getApp(app), {
      name: app,
      incarnation: 'i1',
      createdAt: 1,
      processClasses: ['Counter', 'Audit'],
      // The registering host's functions stay for routing invocations; Audit's are not known.
      functions: { Counter: ['add'] },
    });
    await assert.rejects(plane.createApp(app), { code: 'ALREADY_EXISTS' });
  });

  describe('with hosts that cannot load the application’s code', () => {
    const breakHost = async (id: string, version = 2): Promise<void> => {
      const host = (await registry.listHosts(app)).find((h) => h.id === id)!;
      await registry.putHost({ ...host, codeError: { version, message: "Cannot find module 'left-pad'" } });
    };

    it('creates processes only on hosts that can, deletes through any, and names the others in getApp', async () => {
      await breakHost('h1');
      const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
      await plane.createApp(app);
      const hosts: string[] = [];
      for (let i = 0; i < 3; i++) hosts.push((await plane.createProcess(app)).host ?? '');
      assert.deepEqual(hosts, ['h2', 'h2', 'h2']);
      assert.deepEqual((await plane.getApp(app)).codeErrors, [
        { host: 'h1', version: 2, message: "Cannot find module 'left-pad'" },
      ]);
      assert.deepEqual(
        (await plane.listApps()).map((a) => a.codeErrors?.map((e) => e.host)),
        [['h1']],
      );
      await breakHost('h2');
      const { pid, processClass } = (await registry.listProcesses(app))[0]!;
      await registry.putProcess({ app, pid, processClass, status: 'swapped', generation: 1, updatedAt: Date.now() });
      await plane.deleteProcess(app, pid);
      assert.equal(await registry.getProcess(app, pid), undefined, 'deleted though every host is broken');
    });

    it('fails a create at once with CODE_LOAD_FAILED and the reason when no host can load the code', async () => {
      await breakHost('h1', 1);
      await breakHost('h2', 2);
      const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry, 60_000) });
      await plane.createApp(app);
      await assert.rejects(plane.createProcess(app), (e: unknown) => {
        assert.ok(e instanceof CodeLoadFailedError);
        assert.equal(e.retryable, false);
        assert.match(e.message, /code version 2 of 'place' cannot be loaded on host h2: Cannot find module 'left-pad'/);
        return true;
      });
      assert.deepEqual(
        requests.filter((r) => r.op === 'create'),
        [],
        'no host was asked',
      );
    });

    it('passes over a host that answers CODE_LOAD_FAILED before its heartbeat tells, and fails when all do', async () => {
      const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry, 60_000) });
      await plane.createApp(app);
      failing.add('h1');
      for (let i = 0; i < 3; i++) assert.equal((await plane.createProcess(app)).host, 'h2');
      failing.add('h2');
      await assert.rejects(plane.createProcess(app), { code: 'CODE_LOAD_FAILED' });
    });

    it('tells the host which application incarnation a process is created for', async () => {
      const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
      await plane.createApp(app);
      await plane.createProcess(app);
      const create = requests.find((r) => r.op === 'create');
      assert.equal(create?.incarnation, (await registry.getApp(app))?.incarnation);
    });
  });
});

import assert from 'node:assert/strict';
import {
  AlreadyExistsError,
  decodeControl,
  encodeWire,
  hostSubject,
  MemoryRegistry,
  MemoryTransport,
  newPid,
  toWireError,
  type Subscription,
} from '@praas/framework/internal';
import { ControlPlane, RegisteredHostProvider } from '../../src';
import { answerCreated } from '../support/fake-host';

describe('generated pids', () => {
  const app = 'pids';
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  let host: Subscription;
  /** The pids the host was asked to create, in order. */
  let asked: string[];
  /** Whether each create said the control plane generated its pid. */
  let generated: (boolean | undefined)[];

  beforeEach(async () => {
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
    asked = [];
    generated = [];
    await registry.putHost({ id: 'h1', app, startedAt: Date.now(), heartbeatAt: Date.now(), activeProcesses: 0 });
    // A host that refuses a pid that is taken, as the activation claim does.
    host = await transport.serve(hostSubject(app, 'h1'), async (bytes) => {
      const request = decodeControl(bytes);
      if (request.op !== 'create') return encodeWire({ ok: true });
      asked.push(request.pid);
      generated.push(request.generated);
      if ((await registry.getProcess(app, request.pid))?.status === 'active')
        return encodeWire({ ok: false, error: toWireError(new AlreadyExistsError('process', request.pid)) });
      return answerCreated(registry, app, 'h1', request);
    });
  });
  afterEach(async () => {
    await host.unsubscribe();
    await registry.close();
    await transport.close();
  });

  it('carry the class and 64 random bits', () => {
    assert.match(newPid('Counter'), /^counter-[0-9a-f]{16}$/);
    assert.notEqual(newPid('Counter'), newPid('Counter'));
  });

  it('are generated again when the one drawn is taken, and the process is created', async () => {
    const drawn = ['counter-a', 'counter-a', 'counter-a', 'counter-b'];
    const plane = new ControlPlane({
      transport,
      registry,
      provider: new RegisteredHostProvider(registry),
      newPid: () => drawn.shift()!,
    });
    await plane.createApp(app, { processClasses: ['Counter'] });
    assert.equal((await plane.createProcess(app)).pid, 'counter-a');
    const second = await plane.createProcess(app);
    assert.equal(second.pid, 'counter-b');
    assert.deepEqual(asked, ['counter-a', 'counter-a', 'counter-a', 'counter-b']);
  });

  it('are marked generated, so the host skips looking for snapshots of a predecessor; named ones are not', async () => {
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
    await plane.createApp(app, { processClasses: ['Counter'] });
    await plane.createProcess(app);
    await plane.createProcess(app, { pid: 'named' });
    assert.deepEqual(generated, [true, false]);
  });

  it('give up with ALREADY_EXISTS when every retry draws a taken pid', async () => {
    const plane = new ControlPlane({
      transport,
      registry,
      provider: new RegisteredHostProvider(registry),
      newPid: () => 'counter-same',
    });
    await plane.createApp(app, { processClasses: ['Counter'] });
    await plane.createProcess(app);
    await assert.rejects(plane.createProcess(app), { code: 'ALREADY_EXISTS' });
    assert.equal(asked.length, 5, 'the first try and three retries after it');
  });

  it('are not replaced when the caller named a pid that is taken', async () => {
    const plane = new ControlPlane({ transport, registry, provider: new RegisteredHostProvider(registry) });
    await plane.createApp(app, { processClasses: ['Counter'] });
    await registry.putProcess({
      app,
      pid: 'mine',
      processClass: 'Counter',
      status: 'deleted',
      generation: 0,
      updatedAt: 1,
    });
    await plane.createProcess(app, { pid: 'mine' });
    await assert.rejects(plane.createProcess(app, { pid: 'mine' }), { code: 'ALREADY_EXISTS' });
    assert.deepEqual(asked, ['mine']);
  });
});

import assert from 'node:assert/strict';
import {
  type ControlRequest,
  type HostRecord,
  type ProcessInfo,
  CodeLoadFailedError,
  MemoryLogger,
  MemoryRegistry,
  MemoryTransport,
  ProcessNotFoundError,
  processSubject,
} from '@praas/framework/internal';
import { ControlHandler } from '../../src/host/control-handler';
import { PeerHosts } from '../../src/host/peer-hosts';

const APP = 'peers';

function host(id: string, fields: Partial<HostRecord> = {}): HostRecord {
  return { id, app: APP, startedAt: 1, heartbeatAt: Date.now(), activeProcesses: 0, ...fields };
}

function info(pid: string, holder: string): ProcessInfo {
  return {
    app: APP,
    pid,
    processClass: 'Tally',
    status: 'active',
    address: processSubject(APP, pid),
    generation: 0,
    host: holder,
  };
}

describe('PeerHosts', function () {
  let transport: MemoryTransport;
  let registry: MemoryRegistry;
  let peers: PeerHosts;
  /** The activation requests each fake peer got, by host id. */
  let asked: Map<string, ControlRequest[]>;

  /** A peer whose control handler answers activations with `answer` and records them. */
  const serve = async (id: string, answer: (request: ControlRequest) => ProcessInfo | Error): Promise<void> => {
    const activate = (pid: string, options: { forwarded?: boolean }): Promise<ProcessInfo> => {
      const request = { op: 'activate' as const, app: APP, pid, ...(options.forwarded ? { forwarded: true } : {}) };
      asked.set(id, [...(asked.get(id) ?? []), request]);
      const result = answer(request);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    };
    const unused = (): never => assert.fail('only activations are asked of a peer');
    const ops = {
      activate,
      create: unused,
      swapOut: unused,
      upgrade: unused,
      refreshCode: unused,
      checkpoint: unused,
      delete: unused,
      describe: unused,
      inspect: unused,
    };
    await new ControlHandler(APP, id, ops, new MemoryLogger()).serve(transport);
  };

  beforeEach(function () {
    transport = new MemoryTransport();
    registry = new MemoryRegistry();
    asked = new Map();
    peers = new PeerHosts({ app: APP, hostId: 'me', transport, registry, hostStaleMs: 1_000 });
  });
  afterEach(async function () {
    await registry.close();
    await transport.close();
  });

  it('counts a registered host alive while its heartbeat is fresh', async function () {
    await registry.putHost(host('fresh'));
    await registry.putHost(host('stale', { heartbeatAt: Date.now() - 5_000 }));
    assert.equal(await peers.alive('fresh'), true);
    assert.equal(await peers.alive('stale'), false);
    assert.equal(await peers.alive('unknown'), false);
  });

  it('asks a peer to activate a process, and says gone when no one serves that host', async function () {
    await serve('holder', (r) => info(r.pid, 'holder'));
    assert.deepEqual(await peers.activate('holder', 'p1'), info('p1', 'holder'));
    assert.deepEqual(asked.get('holder'), [{ op: 'activate', app: APP, pid: 'p1' }]);
    assert.equal(await peers.activate('nobody', 'p1'), 'gone');
  });

  it('rebuilds the error a peer answers with', async function () {
    await serve('holder', (r) => new ProcessNotFoundError(APP, r.pid));
    await assert.rejects(peers.activate('holder', 'p1'), (e: unknown) => e instanceof ProcessNotFoundError);
  });

  it('hands an activation on to live peers without a code error, least loaded first, past those that cannot load it', async function () {
    await registry.putHost(host('me'));
    await registry.putHost(host('broken', { codeError: { version: 1, message: 'no' } }));
    await registry.putHost(host('stale', { heartbeatAt: Date.now() - 5_000 }));
    await registry.putHost(host('busy', { activeProcesses: 9 }));
    await registry.putHost(host('idle', { activeProcesses: 0 }));
    await registry.putHost(host('gone', { activeProcesses: 1 }));
    for (const id of ['me', 'broken', 'stale', 'busy']) await serve(id, (r) => info(r.pid, id));
    await serve('idle', () => new CodeLoadFailedError(APP, 1, 'not yet seen failing', 'idle'));

    assert.deepEqual(await peers.handOn('p1'), info('p1', 'busy'));
    assert.deepEqual([...asked.keys()], ['idle', 'busy'], 'idle first; gone has no responder; the others never asked');
    assert.deepEqual(asked.get('busy'), [{ op: 'activate', app: APP, pid: 'p1', forwarded: true }]);
  });

  it('hands on to no one when no peer can take it', async function () {
    await registry.putHost(host('idle'));
    await serve('idle', () => new CodeLoadFailedError(APP, 1, 'broken too', 'idle'));
    assert.equal(await peers.handOn('p1'), undefined);
  });
});

import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  ANY,
  decode,
  encode,
  Fn,
  InvalidArgumentError,
  MemoryRegistry,
  Process,
  ProcessUnavailableError,
  SELF,
  type DataPlaneClient,
  type Envelope,
  type InvokeEnvelope,
  type LocalReceiver,
  type MessageEnvelope,
  type ReplyEnvelope,
  silentLogger,
} from '@praas/framework/internal';
import { ProcessApi } from '../../src/process/process-api';
import { processParts, type ProcessParts } from './process-parts';

@Process()
class Caller {
  @Fn() keep(arg: { seen?: boolean }): boolean {
    arg.seen = true;
    return true;
  }
}

/** A data plane that records what it is given and answers invocations with `answer`. */
function recordingDataPlane(answer: (e: InvokeEnvelope) => ReplyEnvelope) {
  const sent: { pid: string; envelope: MessageEnvelope; local: LocalReceiver | undefined }[] = [];
  const invoked: { pid: string; envelope: InvokeEnvelope; timeoutMs: number | undefined }[] = [];
  const dataPlane = {
    send: (pid: string, envelope: MessageEnvelope, local?: LocalReceiver) => {
      sent.push({ pid, envelope, local });
      return Promise.resolve();
    },
    invoke: (pid: string, envelope: InvokeEnvelope, timeoutMs?: number) => {
      invoked.push({ pid, envelope, timeoutMs });
      return Promise.resolve(answer(envelope));
    },
  } as unknown as DataPlaneClient;
  return { dataPlane, sent, invoked };
}

describe('ProcessApi', () => {
  let p: ProcessParts;
  let registry: MemoryRegistry;
  const api = (
    dataPlane: DataPlaneClient,
    local: (pid: string) => LocalReceiver | undefined = () => undefined,
  ): ProcessApi =>
    new ProcessApi({
      app: p.app,
      pid: p.pid,
      definition: p.definition,
      keyedState: p.keyedState,
      mailbox: p.mailbox,
      sender: p.sender,
      runner: p.runner,
      inbound: p.inbound,
      dataPlane,
      directory: { local },
      registry,
      invokeTimeoutMs: 1_234,
      logger: silentLogger,
    });
  beforeEach(() => {
    p = processParts(Caller);
    registry = new MemoryRegistry();
  });
  afterEach(async () => p.transport.close());

  it("numbers sends per receiver as this process, offering the receiver's controller when it is here", async () => {
    const { dataPlane, sent } = recordingDataPlane(() => ({ ok: true }));
    const neighbour: LocalReceiver = { handle: () => Promise.resolve({ ok: true }) };
    const a = api(dataPlane, (pid) => (pid === 'near' ? neighbour : undefined));
    await a.send('near', 'k', 1);
    await a.send('far', 'k', 2, { fn: 'reduce', id: 'given' });
    await a.send('near', 7, 3);
    assert.deepEqual(
      sent.map((s) => [s.pid, s.envelope.from, s.envelope.seq, s.envelope.key, s.envelope.fn, s.local === neighbour]),
      [
        ['near', 'p1', 1, 'k', undefined, true],
        ['far', 'p1', 1, 'k', 'reduce', false],
        ['near', 'p1', 2, '7', undefined, true],
      ],
    );
    assert.equal(sent[1]!.envelope.id, 'given');
    assert.equal(sent[0]!.envelope.epoch, p.sender.epoch);
    await a.send(SELF, 'k', 4);
    assert.equal(sent[3]!.pid, 'p1');
  });

  it('calls a standard function of its own process directly, arguments by reference', async () => {
    const { dataPlane, invoked } = recordingDataPlane(() => ({ ok: true }));
    const arg: { seen?: boolean } = {};
    assert.equal(await api(dataPlane).invoke(SELF, 'keep', arg), true);
    assert.equal(arg.seen, true);
    assert.equal(invoked.length, 0);
  });

  it('invokes a process here in memory, and over the data plane when it is not active here', async () => {
    const { dataPlane, invoked } = recordingDataPlane(() => ({ ok: true, data: encode('remote') }));
    const handled: Envelope[] = [];
    let active = true;
    const neighbour: LocalReceiver = {
      handle: (e) => {
        handled.push(e);
        return Promise.resolve(
          active
            ? { ok: true, data: encode('local') }
            : { ok: false, error: new ProcessUnavailableError('app', 'near', 'swapped').toWire() },
        );
      },
    };
    const a = api(dataPlane, (pid) => (pid === 'near' ? neighbour : undefined));
    assert.equal(await a.invoke('near', 'f', 1, { key: 'e1' }), 'local');
    active = false;
    assert.equal(await a.invoke('near', 'f', 2, { timeoutMs: 50 }), 'remote');
    assert.equal(handled.length, 2);
    assert.deepEqual(
      invoked.map((i) => [i.pid, i.envelope.from, decode(i.envelope.data), i.envelope.timeoutMs, i.timeoutMs]),
      [['near', 'p1', 2, 50, 50]],
    );
    const first = handled[0] as InvokeEnvelope;
    assert.deepEqual([first.key, first.timeoutMs], ['e1', 1_234]);
  });

  it('rejects a recv timeout that is no non-negative number, and bad names', async () => {
    const a = api(recordingDataPlane(() => ({ ok: true })).dataPlane);
    await assert.rejects(a.recv('p2', 'k', { timeoutMs: -1 }), InvalidArgumentError);
    await assert.rejects(a.send('bad pid!', 'k', 1), /pid/);
    const got = a.recv<string>(ANY, 'k');
    p.mailbox.put({ id: 'm1', from: 'client:x', key: 'k', data: encode('hello') });
    assert.deepEqual(await got, { source: 'client:x', key: 'k', data: 'hello' });
  });

  it('lists peers from the registry, watches them, and ends the watches on release', async () => {
    const a = api(recordingDataPlane(() => ({ ok: true })).dataPlane);
    const record = {
      app: p.app,
      pid: 'q1',
      processClass: 'Caller',
      status: 'active' as const,
      generation: 0,
      updatedAt: 1,
    };
    await registry.putProcess(record);
    assert.deepEqual(await a.peers(), [{ pid: 'q1', processClass: 'Caller', status: 'active' }]);
    const events: string[] = [];
    a.watchPeers((e) => events.push(`${e.type}:${e.peer.pid}:${e.peer.status}`));
    await new Promise((r) => setTimeout(r, 10));
    await registry.putProcess({ ...record, status: 'swapped' });
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(events.includes('updated:q1:swapped'), events.join());
    a.release();
    const seen = events.length;
    await registry.putProcess({ ...record, status: 'active', generation: 1 });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(events.length, seen, 'no events after release');
  });

  it('reads peers a page at a time, filtered by status or class', async () => {
    const a = api(recordingDataPlane(() => ({ ok: true })).dataPlane);
    for (const [pid, status] of [
      ['q1', 'active'],
      ['q2', 'swapped'],
      ['q3', 'active'],
    ] as const)
      await registry.putProcess({ app: p.app, pid, processClass: 'Caller', status, generation: 0, updatedAt: 1 });
    const first = await a.peerPage({ limit: 2 });
    assert.deepEqual(
      first.peers.map((x) => x.pid),
      ['q1', 'q2'],
    );
    const second = await a.peerPage({ limit: 2, cursor: first.cursor! });
    assert.deepEqual(second, { peers: [{ pid: 'q3', processClass: 'Caller', status: 'active' }] });
    assert.deepEqual(
      (await a.peerPage({ status: 'swapped' })).peers.map((x) => x.pid),
      ['q2'],
    );
    await assert.rejects(a.peerPage({ limit: 0 }), InvalidArgumentError);
  });
});

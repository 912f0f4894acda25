import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  encode,
  encodeWire,
  MemoryTransport,
  ProcessUnavailableError,
  type MessageEnvelope,
} from '@praas/framework/internal';
import { memoryStore, message, Point, processParts, Stateful, type ProcessParts } from './process-parts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const msg = (seq: number): MessageEnvelope => message(seq);

describe('Snapshotter', () => {
  let transport: MemoryTransport;
  let store: ReturnType<typeof memoryStore>;
  let p: ProcessParts;
  beforeEach(() => {
    transport = new MemoryTransport();
    store = memoryStore();
    p = processParts(Stateful, { transport, store });
  });
  afterEach(async () => {
    p.snapshotter.stopCheckpoints();
    await transport.close();
  });

  it('swaps in fresh when nothing was committed', async () => {
    assert.equal(await p.snapshotter.swapIn(), false);
    assert.equal(p.snapshotter.generation, 0);
  });

  it('restores at swap-in everything a swap-out captured', async () => {
    const instance = p.runner.instance as unknown as Stateful;
    instance.count = 7;
    instance.at = new Point(3, -4);
    instance.weights = new Float64Array([1, 2, 3]);
    p.keyedState.set('cart', { items: [1, 2] });
    p.mailbox.put({ id: 'm1', from: 'client:x', key: 'k', data: encode('unread') });
    p.senders.accept(msg(1));
    p.sender.message('other', 'k', encode(1));
    p.sender.message('other', 'k', encode(2));
    await transport.backup.append(p.app, p.pid, 'b1', encodeWire(msg(2)));
    await p.drainer.drain();
    p.triggers.contribute(p.definition.functions.get('sum')!, {
      id: 'c1',
      source: 'client:x',
      key: 'e1',
      data: encode(5),
    });
    assert.equal(await p.snapshotter.swapOut(), 1);
    assert.equal(p.snapshotter.generation, 1);

    const q = processParts(Stateful, { transport, store });
    assert.equal(await q.snapshotter.swapIn(), true);
    const back = q.runner.instance as unknown as Stateful;
    assert.equal(back.count, 7);
    assert.ok(back.at instanceof Point);
    assert.equal(back.at.norm(), 7);
    assert.deepEqual([...back.weights], [1, 2, 3]);
    assert.deepEqual(q.keyedState.get('cart'), { items: [1, 2] });
    assert.equal(q.mailbox.size, 2, 'the unread message and the one taken from the backup queue');
    assert.deepEqual(q.senders.entries(), p.senders.entries());
    assert.deepEqual(q.sender.state(), p.sender.state());
    assert.equal(q.sender.message('other', 'k', encode(3)).seq, 3);
    assert.equal(q.drainer.cursor, p.drainer.cursor);
    assert.equal(q.triggers.size, 1);
    assert.equal(q.snapshotter.generation, 1);
  });

  it('writes checkpoints only while active, one after the other, publishing each', async () => {
    await assert.rejects(p.snapshotter.checkpoint(), ProcessUnavailableError);
    p.lifeCycle.to('active');
    const [a, b] = await Promise.all([p.snapshotter.checkpoint(), p.snapshotter.checkpoint()]);
    assert.deepEqual([a, b], [1, 2]);
    assert.equal(p.published(), 2);
    await p.snapshotter.settled();
  });

  it('checkpoints every checkpointEveryMs when something changed, and logs a failed one as a warning', async () => {
    p.lifeCycle.to('active');
    p.snapshotter.startCheckpoints();
    await sleep(40);
    assert.equal(p.snapshotter.generation, 0, 'nothing arrived: nothing to write');
    await transport.backup.append(p.app, p.pid, 'b1', encodeWire(msg(1)));
    await p.drainer.drain();
    for (let i = 0; i < 100 && p.snapshotter.generation === 0; i++) await sleep(5);
    assert.equal(p.snapshotter.generation, 1);

    store.failPuts = true;
    await p.inbound.handle({ t: 'inv', id: 'i1', from: 'client:x', fn: 'inc', data: encode(null) });
    for (let i = 0; i < 100 && p.logger.at('warn').length === 0; i++) await sleep(5);
    const [record] = p.logger.at('warn', 'checkpoint failed');
    assert.ok(record, 'the failed checkpoint is logged');
    assert.match(JSON.stringify(record['err']), /object store refused/);
    assert.equal(record['generation'], 1);
    assert.equal(p.snapshotter.generation, 1, 'the previous checkpoint stays');
  });
});

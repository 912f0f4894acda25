import assert from 'node:assert/strict';
import {
  decodeEnvelope,
  encode,
  processSubject,
  type MessageEnvelope,
  type RequestOptions,
} from '@praas/framework/internal';
import { RuntimeHost } from '../../src';
import { startTestHost, Worker, type TestHost } from '../fixtures';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Message order between processes (per sender FIFO)', () => {
  let t: TestHost;
  afterEach(async () => t.close());

  it('refuses a live message that overtakes an earlier one of its sender, so it is queued behind it', async () => {
    t = await startTestHost();
    await t.host.create('w1', 'Worker');
    // Message 1 is slow on the wire; message 2, sent right after it, arrives first.
    const transport = t.transport;
    const request = transport.request.bind(transport);
    transport.request = async (subject: string, data: Uint8Array, options: RequestOptions) => {
      const envelope = decodeEnvelope(data);
      if (envelope.t === 'msg' && envelope.seq === 1) await sleep(50);
      return request(subject, data, options);
    };
    const receiving = t.invoke<number>('w1', 'record', { key: 'k', n: 2 });
    const message = (seq: number): MessageEnvelope => ({
      t: 'msg',
      id: `m${seq}`,
      from: 'client:overtaker',
      epoch: 'e1',
      seq,
      key: 'k',
      data: encode(seq),
    });
    await Promise.all([t.client.send('w1', message(1)), t.client.send('w1', message(2))]);
    assert.equal(await receiving, 2);
    assert.deepEqual(await t.invoke('w1', 'receivedSoFar'), ['client:overtaker:1', 'client:overtaker:2']);
  });

  it("pipelines a process's sends to a process on another host, and keeps their order", async () => {
    t = await startTestHost();
    // A second host on the same transport and registry: its processes are remote for the first one.
    let inFlight = 0;
    let maxInFlight = 0;
    const counted = t.transport;
    const request = counted.request.bind(counted);
    counted.request = async (subject: string, data: Uint8Array, options: RequestOptions) => {
      if (subject !== processSubject(t.app, 'far') || decodeEnvelope(data).t !== 'msg') {
        return request(subject, data, options);
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await sleep(2);
        return await request(subject, data, options);
      } finally {
        inFlight--;
      }
    };
    const other = new RuntimeHost({
      app: t.app,
      processes: [Worker],
      transport: t.transport,
      registry: t.registry,
      store: t.host.snapshots.store,
      hostId: 'h2',
    });
    await other.start();
    try {
      await other.create('far', 'Worker');
      await t.host.create('near', 'Worker');
      const values = Array.from({ length: 50 }, (_, i) => i);
      const receiving = t.invoke<number>('far', 'record', { key: 'k', n: 50 });
      await t.invoke('near', 'sendTo', { to: 'far', key: 'k', values });
      assert.equal(await receiving, 50);
      assert.deepEqual(
        await t.invoke('far', 'receivedSoFar'),
        values.map((v) => `near:${v}`),
      );
      assert.ok(maxInFlight > 1, `sends went one at a time (at most ${maxInFlight} in flight)`);
    } finally {
      await other.stop({ swapOut: false });
    }
  });

  it('delivers pipelined sends exactly once and in order while the receiver swaps out and in', async () => {
    t = await startTestHost();
    await t.host.create('src', 'Worker');
    await t.host.create('dst', 'Worker');
    const rounds = 8;
    const perRound = 40;
    for (let round = 0; round < rounds; round++) {
      const values = Array.from({ length: perRound }, (_, i) => round * perRound + i);
      const sending = t.invoke('src', 'sendTo', { to: 'dst', key: 'k', values });
      await sleep(round % 3);
      await t.host.swapOut('dst');
      await t.host.activate('dst');
      await sending;
    }
    const total = rounds * perRound;
    assert.equal(await t.invoke<number>('dst', 'record', { key: 'k', n: total }), total);
    assert.deepEqual(
      await t.invoke('dst', 'receivedSoFar'),
      Array.from({ length: total }, (_, i) => `src:${i}`),
    );
  });
});

import assert from 'node:assert/strict';
import { connect } from 'nats';
import { parseSchedule, type TimerStore } from '@praas/framework/internal';
import { NatsKvTimerStore } from '@praas/framework/nats';
import { timerStoreContract } from '@praas/framework/testing';
import { natsForSuite } from '../src';

describe('NatsKvTimerStore on a real nats-server', function () {
  const nats = natsForSuite();

  timerStoreContract('NatsKvTimerStore', {
    create: (options) => NatsKvTimerStore.connect({ servers: nats.url, name: 'timer-store-contract', ...options }),
    dispose: async (stores: TimerStore[]) => {
      for (const s of stores) await s.close();
    },
  });

  it('leaves no trace of fired timers in the bucket once the due index has passed them', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const start = clock;
    const prefix = `tt${process.pid}x${Date.now().toString(36)}_`;
    const store = await NatsKvTimerStore.connect({ servers: nats.url, bucketPrefix: prefix, now: () => clock });
    const nc = await connect({ servers: nats.url });
    try {
      for (let i = 0; i < 20; i++) {
        const dueAt = start + i * 1_000;
        await store.put({
          app: 'a',
          pid: `p${i % 3}`,
          id: `t${i}`,
          fn: 'tick',
          data: new Uint8Array([i]),
          schedule: parseSchedule({ at: new Date(dueAt) }),
          dueAt,
          attempt: 0,
          createdAt: start,
        });
      }
      clock = start + 60_000;
      const due = await store.due('a', clock, 100);
      assert.equal(due.length, 20);
      for (const { timer, revision } of due) assert.equal(await store.delete('a', timer.pid, timer.id, revision), true);
      assert.deepEqual(await store.due('a', clock, 100), []);
      const info = await (await nc.jetstreamManager()).streams.info(`KV_${prefix}timers`);
      assert.equal(info.state.messages, 1, 'only the cursor is left');
    } finally {
      await store.close();
      await nc.drain();
    }
  });
  it('without the right to purge leaves deletion markers, which a sweep removes, sparing a key written again', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const start = clock;
    const prefix = `tm${process.pid}x${Date.now().toString(36)}_`;
    // As a host with its application's NATS user opens it, and as a gateway does.
    const host = await NatsKvTimerStore.connect({
      servers: nats.url,
      bucketPrefix: prefix,
      now: () => clock,
      purges: false,
    });
    const gateway = await NatsKvTimerStore.connect({ servers: nats.url, bucketPrefix: prefix, now: () => clock });
    const nc = await connect({ servers: nats.url });
    const timer = (id: string, dueAt: number) => ({
      app: 'a',
      pid: 'p',
      id,
      fn: 'tick',
      data: new Uint8Array([1]),
      schedule: parseSchedule({ at: new Date(dueAt) }),
      dueAt,
      attempt: 0,
      createdAt: start,
    });
    try {
      const jsm = await nc.jetstreamManager();
      const messages = async (): Promise<number> => (await jsm.streams.info(`KV_${prefix}timers`)).state.messages;
      for (let i = 0; i < 10; i++) await host.put(timer(`t${i}`, start + i * 1_000));
      clock = start + 60_000;
      const due = await host.due('a', clock, 100);
      assert.equal(due.length, 10);
      for (const { timer: t, revision } of due) assert.equal(await host.delete('a', t.pid, t.id, revision), true);
      assert.deepEqual(await host.due('a', clock, 100), []);
      // The cursor and a deletion marker for each record and each index entry.
      assert.equal(await messages(), 21);
      await host.put(timer('t0', clock + 60_000));
      const first = await gateway.sweepDeleted(0);
      assert.equal(first.removed, 19, 'every marker but the one t0 overwrote');
      assert.equal(first.more, false);
      assert.equal(await messages(), 3, 'the cursor, t0 and its index entry');
      assert.equal((await host.get('a', 'p', 't0'))?.timer.dueAt, clock + 60_000);
      // A later pass reads only what came after: t0 deleted again, its two markers.
      assert.equal(await host.delete('a', 'p', 't0'), true);
      const second = await gateway.sweepDeleted(first.last);
      assert.equal(second.removed, 2);
      assert.equal(await messages(), 1, 'only the cursor is left');
      assert.throws(() => gateway.sweepDeleted(-1), /after must be a non-negative integer/);
    } finally {
      await host.close();
      await gateway.close();
      await nc.drain();
    }
  });
});

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
});

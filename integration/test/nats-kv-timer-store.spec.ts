import { type TimerStore } from '@praas/framework/internal';
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
});

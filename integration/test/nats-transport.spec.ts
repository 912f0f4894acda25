import { NatsTransport, type Transport } from '@praas/framework';
import { transportContract } from '@praas/framework/testing';
import { startNats, type NatsService } from '../src';

describe('NatsTransport on a real nats-server', function () {
  let nats: NatsService;
  before(async function () {
    nats = await startNats();
  });
  after(async function () {
    await nats?.stop();
  });

  transportContract('NatsTransport', {
    create: () => NatsTransport.connect({ servers: nats.url, name: 'contract' }),
    dispose: async (transports: Transport[]) => {
      for (const t of transports) await t.close();
    },
  });
});

import { NatsKvRegistry, type Registry } from '@praas/framework';
import { registryContract } from '@praas/framework/testing';
import { startNats, type NatsService } from '../src';

describe('NatsKvRegistry on a real nats-server', function () {
  let nats: NatsService;
  before(async function () {
    nats = await startNats();
  });
  after(async function () {
    await nats?.stop();
  });

  registryContract('NatsKvRegistry', {
    create: () => NatsKvRegistry.connect({ servers: nats.url, name: 'registry-contract' }),
    dispose: async (registries: Registry[]) => {
      for (const r of registries) await r.close();
    },
  });
});

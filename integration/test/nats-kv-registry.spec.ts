import { type Registry } from '@praas/framework/internal';
import { NatsKvRegistry } from '@praas/framework/nats';
import { registryContract } from '@praas/framework/testing';
import { natsForSuite } from '../src';

describe('NatsKvRegistry on a real nats-server', function () {
  const nats = natsForSuite();

  registryContract('NatsKvRegistry', {
    create: () => NatsKvRegistry.connect({ servers: nats.url, name: 'registry-contract' }),
    dispose: async (registries: Registry[]) => {
      for (const r of registries) await r.close();
    },
  });
});

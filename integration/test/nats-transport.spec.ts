import { AnnouncedRoutes, DirectTransport, type Transport } from '@praas/framework/internal';
import { NatsTransport } from '@praas/framework/nats';
import { transportContract } from '@praas/framework/testing';
import { natsForSuite } from '../src';

describe('NatsTransport on a real nats-server', function () {
  const nats = natsForSuite();

  const dispose = async (transports: Transport[]): Promise<void> => {
    for (const t of transports) await t.close();
  };

  transportContract('NatsTransport', {
    create: () => NatsTransport.connect({ servers: nats.url, name: 'contract' }),
    dispose,
  });

  // The direct data plane: each client listens on its own data port and announces what it serves,
  // so requests between clients go over direct connections, with NATS as the fallback path.
  let routes = new AnnouncedRoutes();
  let clients = 0;
  transportContract('DirectTransport over NatsTransport', {
    create: async () => {
      const id = `c${clients++}`;
      return DirectTransport.create(await NatsTransport.connect({ servers: nats.url, name: 'contract-direct' }), {
        from: id,
        routes,
        listen: { app: 'contract', hostId: id },
      });
    },
    dispose: async (transports) => {
      await dispose(transports);
      routes = new AnnouncedRoutes();
    },
  });
});

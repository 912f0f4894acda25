import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { FsSwapStore } from '@praas/runtime';
import { triggerContract } from '@praas/runtime/testing';
import { natsForSuite } from '../src';

describe('triggers on NATS', function () {
  const nats = natsForSuite();

  // Each host and the client get their own connection, as separate OS processes would.
  for (const dataPlane of ['direct', 'nats'] as const) {
    triggerContract('NATS transport and KV registry, file-system store', {
      dataPlane,
      propertyRuns: 10,
      create: async () => {
        const connections: NatsTransport[] = [];
        const connect = async (): Promise<NatsTransport> => {
          const t = await NatsTransport.connect({ servers: nats.url, name: 'trigger-contract' });
          connections.push(t);
          return t;
        };
        const registry = await NatsKvRegistry.open((await connect()).connection);
        const dir = await mkdtemp(join(tmpdir(), 'praas-triggers-nats-'));
        return {
          transport: connect,
          registry,
          store: new FsSwapStore(dir),
          dispose: async () => {
            await registry.close();
            for (const t of connections) await t.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
    });
  }
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRegistry, MemoryTransport } from '@praas/framework/internal';
import { FsSwapStore } from '../../src';
import { triggerContract } from '../../src/testing';

for (const dataPlane of ['nats', 'direct'] as const) {
  triggerContract('in-memory transport, file-system store', {
    dataPlane,
    create: async () => {
      const transport = new MemoryTransport();
      const dir = await mkdtemp(join(tmpdir(), 'praas-triggers-'));
      return {
        transport: () => Promise.resolve(transport),
        registry: new MemoryRegistry(),
        store: new FsSwapStore(dir),
        dispose: async () => {
          await transport.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  });
}

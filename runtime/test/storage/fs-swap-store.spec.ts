import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsSwapStore } from '../../src';
import { swapStoreContract } from '../../src/testing';

swapStoreContract('FsSwapStore', {
  create: async () => new FsSwapStore(await mkdtemp(join(tmpdir(), 'praas-fs-store-'))),
  dispose: async (store) => rm((store as FsSwapStore).root, { recursive: true, force: true }),
});

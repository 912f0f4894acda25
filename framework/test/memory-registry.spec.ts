import { MemoryRegistry } from '../src';
import { registryContract } from '../src/testing';

// Clients of the in-memory registry share one instance, the way the components of the embedded mode do.
let shared: MemoryRegistry | undefined;
registryContract('MemoryRegistry', {
  create: () => Promise.resolve((shared ??= new MemoryRegistry())),
  dispose: async () => {
    await shared?.close();
    shared = undefined;
  },
});

import { MemoryTransport } from '../src/internal';
import { transportContract } from '../src/testing';

// Clients of the in-memory transport share one instance, the way the processes of one Node.js process do.
let shared: MemoryTransport | undefined;
transportContract('MemoryTransport', {
  create: () => Promise.resolve((shared ??= new MemoryTransport())),
  dispose: async () => {
    await shared?.close();
    shared = undefined;
  },
});

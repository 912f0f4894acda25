import { MemoryTimerStore } from '../../src/internal';
import { timerStoreContract } from '../../src/testing';

// Clients of the in-memory store share one instance, the way the components of the embedded mode do.
let shared: MemoryTimerStore | undefined;
timerStoreContract('MemoryTimerStore', {
  create: (options) => Promise.resolve((shared ??= new MemoryTimerStore(options))),
  dispose: async () => {
    await shared?.close();
    shared = undefined;
  },
});

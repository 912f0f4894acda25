import type { SwapStore } from '@praas/runtime';

/** Wraps a store and runs `before` ahead of every put, to hold writes back or to inject a fault mid-way. */
export function interceptPuts(inner: SwapStore, before: (key: string) => Promise<void>): SwapStore {
  return {
    put: async (k, d) => {
      await before(k);
      await inner.put(k, d);
    },
    get: (k) => inner.get(k),
    ...(inner.readInto ? { readInto: (k: string, t: Uint8Array) => inner.readInto!(k, t) } : {}),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    describe: () => inner.describe(),
  };
}

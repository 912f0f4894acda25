import assert from 'node:assert/strict';
import { MemoryTimerStore, parseSchedule } from '../../src/internal';
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

describe('MemoryTimerStore: pages', () => {
  it("fills a process's page however many timers the rest of the application has", async () => {
    const store = new MemoryTimerStore();
    const base = { app: 'a', fn: 'tick', data: new Uint8Array(), attempt: 0, createdAt: 0 };
    for (let i = 0; i < 6_000; i++) {
      const dueAt = 1_000 + i;
      await store.put({
        ...base,
        pid: i % 10 === 0 ? 'few' : 'many',
        id: `t${i}`,
        dueAt,
        schedule: parseSchedule({ at: new Date(dueAt) }),
      });
    }
    const few = await store.listPage('a', { pid: 'few', limit: 1_000 });
    assert.equal(few.timers.length, 600);
    assert.equal(few.cursor, undefined);
    const first = await store.listPage('a', { pid: 'few', limit: 250 });
    const rest = await store.listPage('a', { pid: 'few', limit: 1_000, cursor: first.cursor! });
    assert.equal(new Set([...first.timers, ...rest.timers].map((t) => t.id)).size, 600);
    assert.equal(rest.cursor, undefined);
    await store.close();
  });
});

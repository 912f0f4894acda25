import assert from 'node:assert/strict';
import { MemoryRegistry, MemoryTimerStore, parseSchedule } from '@praas/framework/internal';
import { RegistryLookups } from '../../src/control/registry-lookups';
import { TimerOperations } from '../../src/control/timer-operations';

describe('TimerOperations', () => {
  const registry = new MemoryRegistry();
  before(async () => {
    await registry.putApp({ name: 'shop', processClasses: ['Cart'], createdAt: 1, incarnation: 'i1' });
    await registry.putProcess({
      app: 'shop',
      pid: 'c1',
      processClass: 'Cart',
      status: 'deleted',
      generation: 0,
      updatedAt: 1,
    });
  });

  it('answers UNAVAILABLE, saying what is missing, when the control plane has no timer store', async () => {
    const ops = new TimerOperations(new RegistryLookups(registry), undefined);
    await assert.rejects(ops.listTimers('shop'), { code: 'UNAVAILABLE', message: /this gateway has no timer store/ });
  });

  it('treats a deleted process as gone, whatever timers the store still holds for it', async () => {
    const store = new MemoryTimerStore();
    await store.put({
      app: 'shop',
      pid: 'c1',
      id: 't',
      fn: 'tick',
      data: new Uint8Array(),
      schedule: parseSchedule({ afterMs: 5 }, 0),
      dueAt: 5,
      attempt: 0,
      createdAt: 0,
    });
    const ops = new TimerOperations(new RegistryLookups(registry), store);
    await assert.rejects(ops.listTimers('shop', { pid: 'c1' }), { code: 'PROCESS_NOT_FOUND' });
    await assert.rejects(ops.cancelTimer('shop', 'c1', 't'), { code: 'PROCESS_NOT_FOUND' });
    assert.equal((await ops.listTimers('shop')).timers.length, 1);
  });
});

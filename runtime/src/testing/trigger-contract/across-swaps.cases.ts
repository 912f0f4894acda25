import assert from 'node:assert/strict';
import type { TriggerHarness } from './trigger-harness';

/** Accumulations and waiting contributors across swap-out and swap-in, on any host. */
export function acrossSwapCases(t: TriggerHarness): void {
  const { invoke, send, history, hostOf, swap, until } = t;
  describe('across swaps', () => {
    it('keeps a partial accumulation through swap-out and swap-in on another host', async () => {
      await send('r', 'gather', 'k', 'before-1');
      await send('r', 'gather', 'k', 'before-2');
      await t.h1.swapOut('r');
      await t.h2.activate('r');
      assert.equal((await t.env.registry.getProcess(t.app, 'r'))?.host, 'h2');
      assert.deepEqual(await invoke<string[]>('r', 'gather', 'after', 'k'), ['before-1', 'before-2', 'after']);
    });

    it('counts messages that waited in the backup queue, after swap-in', async () => {
      await send('r', 'gather', 'k', 'live');
      await swap('r');
      await send('r', 'gather', 'k', 'queued');
      await invoke('f2', 'feed', { to: 'r', fn: 'flush', key: 'q', values: ['q1', 'q2', 'q3'] });
      assert.equal(t.h1.local('r'), undefined, 'messages do not activate a process');
      assert.deepEqual(await invoke<string[]>('r', 'gather', 'last', 'k'), ['live', 'queued', 'last']);
      await send('r', 'flush', 'q', 'q4');
      await until(async () => (await history()).some((c) => c.fn === 'flush'), 'the batch');
      assert.deepEqual((await history()).find((c) => c.fn === 'flush')!.values, ['q1', 'q2', 'q3', 'q4']);
    });

    it('does not swap out while a contributing invoke waits; sends alone do not hold it', async () => {
      await send('r', 'gather', 'held', 'by-send');
      await swap('r');
      await (await hostOf('r')).activate('r').catch(() => t.h1.activate('r'));
      const waiting = invoke<string[]>('r', 'gather', 'by-invoke', 'held');
      await until(async () => true, 'nothing');
      await new Promise((r) => setTimeout(r, 30));
      await assert.rejects(swap('r'), /invocation\(s\) wait for a trigger to fire/);
      assert.equal((await t.env.registry.getProcess(t.app, 'r'))?.status, 'active');
      await send('r', 'gather', 'held', 'completes');
      assert.deepEqual(await waiting, ['by-send', 'by-invoke', 'completes']);
      await swap('r');
    });

    it('replies to an invocation that waited in the backup queue even after another swap', async () => {
      await swap('r');
      // Invoked while swapped out: queued with a reply subject, and the process is activated.
      const queued = invoke<string[]>('r', 'gather', 'queued-invoke', 'k');
      await until(async () => (await t.env.registry.getProcess(t.app, 'r'))?.status === 'active', 'activation');
      await new Promise((r) => setTimeout(r, 50));
      await swap('r'); // Allowed: the waiting caller is reached through its reply subject, not held in memory.
      await send('r', 'gather', 'k', 'q2');
      await send('r', 'gather', 'k', 'q3');
      await (await hostOf('r')).activate('r').catch(() => t.h1.activate('r'));
      assert.deepEqual(await queued, ['queued-invoke', 'q2', 'q3']);
    });
  });
}

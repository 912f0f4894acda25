import assert from 'node:assert/strict';
import type { TriggerHarness } from './trigger-harness';

/** batch triggers (DESIGN §2): size, maxWaitMs, and long backlogs drained at swap-in. */
export function batchCases(t: TriggerHarness): void {
  const { invoke, send, history, callsOf, swap, until } = t;
  describe('batch', () => {
    it('fires with size messages of any key, in arrival order', async () => {
      for (const [k, v] of [
        ['a', '1'],
        ['b', '2'],
        ['a', '3'],
        ['c', '4'],
        ['d', '5'],
      ] as const)
        await send('r', 'flush', k, v);
      await until(async () => (await history()).length === 1, 'the batch');
      const [call] = await history();
      assert.deepEqual(call!.values, ['1', '2', '3', '4']);
      assert.deepEqual(call!.keys, ['a', 'b', 'a', 'c']);
      for (const v of ['6', '7']) await send('r', 'flush', 'z', v);
      assert.deepEqual(
        await invoke<string[]>('r', 'flush', '8', 'z'),
        ['5', '6', '7', '8'],
        'the fifth message opened the next batch',
      );
    });

    it('fires maxWaitMs after the first message with what arrived', async () => {
      await send('r', 'flushSoon', 'a', '1');
      const waiting = invoke<string[]>('r', 'flushSoon', '2', 'b');
      assert.deepEqual(await waiting, ['1', '2']);
    });

    it('never hands a call more than size messages when a swap-in drains a long backlog', async () => {
      await swap('r');
      const queued = Array.from({ length: 13 }, (_, i) => `q${i + 1}`);
      for (const v of queued) await send('r', 'flush', 'q', v);
      await until(async () => (await callsOf('flush')).flat().length >= 12, 'the batches of the backlog');
      assert.deepEqual(await callsOf('flush'), [queued.slice(0, 4), queued.slice(4, 8), queued.slice(8, 12)]);
      for (const v of ['q14', 'q15', 'q16']) await send('r', 'flush', 'q', v);
      await until(async () => (await callsOf('flush')).length === 4, 'the fourth batch');
      assert.deepEqual((await callsOf('flush'))[3], ['q13', 'q14', 'q15', 'q16'], 'the rest opened the next batch');
    });

    it('keeps batches within size, in order, when maxWaitMs passed while the process was swapped out', async () => {
      await send('r', 'flushFive', 'a', 'a1');
      await send('r', 'flushFive', 'a', 'a2');
      await swap('r');
      const queued = Array.from({ length: 12 }, (_, i) => `q${i + 1}`);
      for (const v of queued) await send('r', 'flushFive', 'q', v);
      await new Promise((r) => setTimeout(r, 150)); // Past the deadline of the partial batch.
      await until(async () => (await callsOf('flushFive')).flat().length >= 14, 'every message delivered');
      const calls = await callsOf('flushFive');
      for (const c of calls) assert.ok(c.length <= 5, `a call got ${c.length} messages: ${JSON.stringify(calls)}`);
      assert.deepEqual(calls.flat(), ['a1', 'a2', ...queued], 'each once, in arrival order');
    });
  });
}

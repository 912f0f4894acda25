import assert from 'node:assert/strict';
import type { TriggerHarness } from './trigger-harness';

/** multiSource triggers (DESIGN §2): who is called with what, and who gets which reply. */
export function multiSourceCases(t: TriggerHarness): void {
  const { invoke, send, history, until } = t;
  describe('multiSource', () => {
    it('fires once count messages with the same key arrived; every invoker gets the result', async () => {
      const a = invoke<string[]>('r', 'gather', 'a', 'e1');
      await until(async () => true, 'nothing');
      const b = invoke<string[]>('f1', 'call', { to: 'r', fn: 'gather', key: 'e1', value: 'b' });
      const c = invoke<string[]>('f2', 'call', { to: 'r', fn: 'gather', key: 'e1', value: 'c' });
      const results = await Promise.all([a, b, c]);
      for (const r of results) assert.deepEqual([...r].sort(), ['a', 'b', 'c']);
      assert.deepEqual(results[0], results[1]);
      const calls = await history();
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]!.keys, ['e1', 'e1', 'e1']);
      assert.deepEqual([...calls[0]!.sources].sort(), ['client:t', 'f1', 'f2']);
    });

    it('keeps keys apart: a later key may complete first', async () => {
      await send('r', 'gather', 'e2', 'x1');
      await send('r', 'gather', 'e3', 'y1');
      await send('r', 'gather', 'e3', 'y2');
      await send('r', 'gather', 'e3', 'y3');
      await until(async () => (await history()).length === 1, 'epoch 3');
      assert.deepEqual((await history())[0]!.values, ['y1', 'y2', 'y3']);
      await send('r', 'gather', 'e2', 'x2');
      await send('r', 'gather', 'e2', 'x3');
      await until(async () => (await history()).length === 2, 'epoch 2');
      assert.deepEqual((await history())[1]!.values, ['x1', 'x2', 'x3'], 'in arrival order');
    });

    it('counts a send toward the trigger without waiting for the result', async () => {
      await invoke('f1', 'feed', { to: 'r', fn: 'gather', key: 'k', values: ['s1', 's2'] });
      assert.deepEqual(await invoke<string[]>('r', 'gather', 'i1', 'k'), ['s1', 's2', 'i1']);
    });

    it('fires with what arrived when maxWaitMs is up', async () => {
      const started = invoke<string[]>('r', 'gatherSoon', 'only', 'k');
      await send('r', 'gatherSoon', 'k', 'second');
      assert.deepEqual(await started, ['only', 'second']);
    });

    it('passes the error of the call to every waiting contributor', async () => {
      const one = invoke('r', 'failing', 'p', 'k');
      const two = invoke('f2', 'call', { to: 'r', fn: 'failing', key: 'k', value: 'q' });
      await assert.rejects(one, /reduce of 2 parts failed/);
      await assert.rejects(two, /reduce of 2 parts failed/);
    });

    it('rejects an invocation without a key, saying how to give one', async () => {
      await assert.rejects(
        invoke('r', 'gather', 'x'),
        /'gather' of 'r' is a multi-source function: give the invocation key/,
      );
    });

    it('counts a SELF invocation like any other contribution', async () => {
      const self = invoke<string[]>('r', 'viaSelf', { key: 'k', value: 'from-self' });
      await send('r', 'gather', 'k', 'm1');
      await send('r', 'gather', 'k', 'm2');
      // The SELF contribution and m1 race (the invoke is not awaited first): any arrival order.
      assert.deepEqual([...(await self)].sort(), ['from-self', 'm1', 'm2']);
    });

    it('counts a message id seen twice once', async () => {
      await send('r', 'gather', 'k', 'once', 'same-id');
      await send('r', 'gather', 'k', 'twice', 'same-id');
      await send('r', 'gather', 'k', 'two');
      await send('r', 'gather', 'k', 'three');
      await until(async () => (await history()).length === 1, 'the call');
      assert.deepEqual((await history())[0]!.values, ['once', 'two', 'three']);
    });
  });
}

import assert from 'node:assert/strict';
import { SwapFailedError } from '@praas/framework/internal';
import type { TriggerHarness } from './trigger-harness';
import type { TriggerCall } from './trigger-processes';

/** A swap-out that fails delivers what it diverted, in order, once. */
export function swapFailureCases(t: TriggerHarness): void {
  const { host, invoke, send, post, history, callsOf, backlog, until } = t;
  describe('when a swap-out fails', () => {
    it('delivers what it diverted as soon as it gives up waiting for a running call, in order, once', async () => {
      // A drain timeout long enough for the test to divert traffic while the swap-out waits.
      const patient = await host('h3', { drainTimeoutMs: 2_000 });
      try {
        await patient.create('p', 'Reducer');
        const holding = invoke<string>('p', 'hold', 'release');
        await until(async () => patient.local('p')?.busy === 1, 'the holding call');
        const outcome = patient.swapOut('p').then(
          () => 'swapped out',
          (e: unknown) => e,
        );
        await until(async () => patient.local('p')?.status === 'swapping-out', 'the swap-out');
        await send('p', 'gather', 'k', 'm1');
        await send('p', 'gather', 'k', 'm2');
        const contributor = invoke<string[]>('p', 'gather', 'i3', 'k');
        const standard = invoke<TriggerCall[]>('p', 'history', null);
        await until(async () => (await backlog('p')) === 4, 'the diverted traffic in the backup queue');
        const failure = await outcome;
        assert.ok(failure instanceof SwapFailedError, `the swap-out gave up: ${String(failure)}`);
        assert.deepEqual(await contributor, ['m1', 'm2', 'i3']);
        assert.ok(Array.isArray(await standard), 'the queued standard invocation is answered');
        assert.equal(patient.local('p')?.status, 'active');
        await post('p', 'release', 'go');
        assert.equal(await holding, 'go');
        const gathers = (await history('p')).filter((c) => c.fn === 'gather');
        assert.deepEqual(
          gathers.map((c) => c.values),
          [['m1', 'm2', 'i3']],
        );
      } finally {
        await patient.stop({ swapOut: false });
      }
    });

    it('delivers what it diverted while the snapshot was written when the commit fails, in order, once', async () => {
      await send('r', 'gather', 'k', 'm1');
      const stall = t.store.hold('put', { once: true, fail: true });
      const outcome = t.h1.swapOut('r').then(
        () => 'swapped out',
        (e: unknown) => e,
      );
      await stall.reached;
      await send('r', 'gather', 'k', 'm2');
      const contributor = invoke<string[]>('r', 'gather', 'i3', 'k');
      const standard = invoke<TriggerCall[]>('r', 'history', null);
      await send('r', 'flushSoon', 'b', 'b1');
      await until(async () => (await backlog('r')) === 4, 'the diverted traffic in the backup queue');
      stall.release();
      const failure = await outcome;
      assert.ok(
        failure instanceof SwapFailedError && /store unavailable/.test(failure.message),
        `the commit failed: ${String(failure)}`,
      );
      assert.deepEqual(await contributor, ['m1', 'm2', 'i3']);
      assert.ok(Array.isArray(await standard), 'the queued standard invocation is answered');
      await until(async () => (await callsOf('flushSoon')).length === 1, 'the batch, after its maxWaitMs');
      assert.deepEqual(await callsOf('flushSoon'), [['b1']]);
      assert.deepEqual(await callsOf('gather'), [['m1', 'm2', 'i3']]);
      assert.equal(t.h1.local('r')?.status, 'active');
    });
  });
}

import assert from 'node:assert/strict';
import { UnavailableError } from '@praas/framework/internal';
import { Traffic } from '../src';

/**
 * The chaos suites' traffic harness: a failed caller must end the waits and every caller, and a
 * traffic left running by a failed test must be stoppable from a hook, so a failure shows its own
 * error instead of callers and waits running on into the teardown.
 */
describe('chaos traffic harness', function () {
  afterEach(async function () {
    await Traffic.stopAll();
  });

  it('a caller failing with a non-retryable error stops every caller, and the waits and stop throw it', async function () {
    const traffic = new Traffic('t');
    const calls = new Map<number, number>();
    traffic.start(
      async (v) => {
        const caller = Math.floor(v / 1_000_000);
        calls.set(caller, (calls.get(caller) ?? 0) + 1);
        if (caller === 0 && v % 1_000_000 === 3) throw new Error('broken');
      },
      { callers: 3, retry: true, pauseMs: 1 },
    );
    await assert.rejects(traffic.untilAcknowledged(1_000_000), /broken/);
    const before = [...calls.values()].reduce((a, b) => a + b, 0);
    await assert.rejects(traffic.stop(), /broken/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(
      [...calls.values()].reduce((a, b) => a + b, 0) - before <= 3,
      true,
      'at most the calls in flight ended',
    );
  });

  it('a wait on a traffic stopped elsewhere throws instead of waiting for acknowledgements that never come', async function () {
    const invokes = new Traffic('invokes');
    const sends = new Traffic('sends');
    invokes.start(() => Promise.reject(new TypeError('not retryable')), { callers: 1, retry: true, pauseMs: 1 });
    sends.start(() => Promise.resolve(), { callers: 1, retry: false, pauseMs: 1 });
    const waits = Promise.allSettled([invokes.untilAcknowledged(10), sends.untilAcknowledged(1_000_000)]);
    const errors = await Traffic.stopAll();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof TypeError);
    const [invoked, sent] = await waits;
    assert.equal(invoked.status, 'rejected');
    assert.equal(sent.status, 'rejected');
    assert.match(sent.status === 'rejected' ? String(sent.reason) : '', /sends stopped with \d+ of 1000000 more/);
  });

  it('a retried value waits between its calls and is counted uncertain once', async function () {
    const traffic = new Traffic('t');
    let failuresLeft = 5;
    traffic.start(() => (failuresLeft-- > 0 ? Promise.reject(new UnavailableError('down')) : Promise.resolve()), {
      callers: 1,
      retry: true,
      pauseMs: 10,
    });
    await traffic.untilAcknowledged(2);
    await traffic.stop();
    assert.deepEqual(traffic.accepted.slice(0, 2), [0, 1]);
    assert.deepEqual([...traffic.uncertain], [0]);
    assert.equal(traffic.failures.get('UNAVAILABLE'), 5);
  });
});

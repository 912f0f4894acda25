import assert from 'node:assert/strict';
import { parseSchedule, type TimerRecord } from '@praas/framework/internal';
import { afterFailure, afterSuccess, firingId, scheduledAtOf, skipsMissed } from '../../src/timers/firing-plan';

const policy = { retryBaseMs: 100, retryMaxMs: 1_000, missedAfterMs: 60_000 };
const T0 = Date.parse('2026-06-01T10:00:00Z');

function timer(spec: Parameters<typeof parseSchedule>[0], extra: Partial<TimerRecord> = {}): TimerRecord {
  const schedule = parseSchedule(spec, T0);
  return {
    app: 'a',
    pid: 'p',
    id: 't1',
    fn: 'tick',
    data: new Uint8Array(),
    schedule,
    dueAt: T0 + 60_000,
    attempt: 1,
    createdAt: T0,
    lease: { owner: 'h1', until: T0 + 90_000 },
    ...extra,
  };
}

describe('firing plan', () => {
  it('removes a one-shot timer after it succeeded', () => {
    assert.deepEqual(afterSuccess(timer({ afterMs: 60_000 }), T0 + 60_010), { remove: true });
  });

  it('moves a recurring timer to its next time, with no lease, attempt or retry time left', () => {
    const t = timer({ every: '1m' }, { scheduledAt: T0 + 60_000, dueAt: T0 + 61_000, attempt: 3 });
    const change = afterSuccess(t, T0 + 61_005);
    assert.equal(change.remove, false);
    if (change.remove) return;
    assert.equal(change.timer.dueAt, T0 + 120_000);
    assert.equal(change.timer.attempt, 0);
    assert.equal(change.timer.lease, undefined);
    assert.equal(change.timer.scheduledAt, undefined);
  });

  it('fires a missed recurring window once: the next time is the first after now', () => {
    const t = timer({ cron: '0 * * * *' }, { dueAt: T0 + 3_600_000 });
    const recovered = T0 + 5 * 3_600_000 + 120_000;
    const change = afterSuccess(t, recovered);
    assert.equal(change.remove, false);
    if (!change.remove) assert.equal(change.timer.dueAt, T0 + 6 * 3_600_000);
  });

  it('retries a failed firing with a doubling backoff, keeping its scheduled time and attempts', () => {
    const first = timer({ afterMs: 60_000 });
    const retries = [1, 2, 3, 4, 5].map((attempt) => {
      const change = afterFailure({ ...first, attempt }, T0 + 70_000, policy);
      assert.equal(change.remove, false);
      return change.remove ? undefined : change.timer;
    });
    assert.deepEqual(
      retries.map((t) => t!.dueAt - (T0 + 70_000)),
      [100, 200, 400, 800, 1_000],
    );
    for (const [i, t] of retries.entries()) {
      assert.equal(t!.scheduledAt, T0 + 60_000);
      assert.equal(t!.attempt, i + 1);
      assert.equal(t!.lease, undefined);
    }
  });

  it('gives every delivery of one firing the same id, and the next firing another', () => {
    const t = timer({ every: '1m' });
    const retry = afterFailure(t, T0 + 61_000, policy);
    assert.equal(retry.remove, false);
    if (retry.remove) return;
    assert.equal(scheduledAtOf(retry.timer), T0 + 60_000);
    assert.equal(firingId(retry.timer), firingId(t));
    const next = afterSuccess(retry.timer, T0 + 62_000);
    assert.equal(next.remove, false);
    if (!next.remove) assert.notEqual(firingId(next.timer), firingId(t));
    // A timer replaced under the same key is another timer: its firing at the same time is not deduplicated.
    assert.notEqual(firingId({ ...t, createdAt: T0 + 1 }), firingId(t));
  });

  it("skips only a first delivery later than the window, and only with catchUp 'skip'", () => {
    const skip = timer({ every: '1m', catchUp: 'skip' });
    assert.equal(skipsMissed(skip, T0 + 60_000 + 61_000, policy), true);
    assert.equal(skipsMissed(skip, T0 + 60_000 + 59_000, policy), false);
    assert.equal(skipsMissed({ ...skip, attempt: 2 }, T0 + 60_000 + 61_000, policy), false);
    assert.equal(skipsMissed(timer({ every: '1m' }), T0 + 60_000 + 61_000, policy), false);
  });
});

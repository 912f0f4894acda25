import assert from 'node:assert/strict';
import { encode, parseSchedule } from '@praas/framework/internal';
import { startTestHost, type TestHost } from '../fixtures';
import { Alarms, firings, until } from './timer-fixtures';

/** Runs the timers' clock `offset` ms ahead of the system's: a schedule meets the wall-clock time a test chose. */
async function hostAt(iso: string): Promise<{ t: TestHost; now: () => number }> {
  const offset = Date.parse(iso) - Date.now();
  const now = (): number => Date.now() + offset;
  const t = await startTestHost({
    processes: [Alarms],
    timers: { now, firer: { pollMs: 200, missedAfterMs: 60_000 } },
  });
  return { t, now };
}

describe('timers on an injected clock', () => {
  let t: TestHost | undefined;
  beforeEach(() => {
    firings.length = 0;
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('fires a cron schedule at the wall-clock minute of its zone, across a DST change', async () => {
    // 2026-03-29 in Berlin: 02:00 CET jumps to 03:00 CEST, which is 01:00 UTC.
    const host = await hostAt('2026-03-29T00:59:59.600Z');
    t = host.t;
    await t.host.create('c1', 'alarms');
    const berlin = await t.invoke<string>('c1', 'plan', {
      fn: 'ring',
      options: { cron: '0 3 * * *', tz: 'Europe/Berlin' },
      data: 'berlin',
    });
    const kolkata = await t.invoke<string>('c1', 'plan', {
      fn: 'ring',
      options: { cron: '* * * * *', tz: 'Asia/Kolkata' },
      data: 'kolkata',
    });
    await until('both firings', () => firings.length >= 2);
    const at = Object.fromEntries(firings.map((f) => [f.data as string, new Date(f.timer!.scheduledAt).toISOString()]));
    assert.deepEqual(at, { berlin: '2026-03-29T01:00:00.000Z', kolkata: '2026-03-29T01:00:00.000Z' });
    const dueOf = async (id: string): Promise<string> =>
      new Date((await t!.timerStore.get(t!.app, 'c1', id))!.timer.dueAt).toISOString();
    await until(
      'both rescheduled',
      async () => (await dueOf(berlin)) !== at['berlin'] && (await dueOf(kolkata)) !== at['kolkata'],
    );
    assert.equal(await dueOf(berlin), '2026-03-30T01:00:00.000Z', 'the next day at 03:00 CEST');
    assert.equal(await dueOf(kolkata), '2026-03-29T01:01:00.000Z');
  });

  for (const catchUp of ['once', 'skip'] as const) {
    it(`after everything was down, ${catchUp === 'once' ? 'fires a missed window once, with its scheduled time' : "skips the missed windows (catchUp: 'skip')"}`, async () => {
      const host = await hostAt('2026-06-01T12:00:00.000Z');
      t = host.t;
      await t.host.create('c1', 'alarms');
      const missed = Date.parse('2026-06-01T11:55:00.000Z');
      const schedule = parseSchedule({ every: '1m', catchUp }, Date.parse('2026-06-01T11:00:00.000Z'));
      // As the store holds it after ten minutes with no host: due five minutes ago.
      await t.timerStore.put({
        app: t.app,
        pid: 'c1',
        id: 'minutely',
        fn: 'ring',
        data: encode(catchUp),
        schedule,
        dueAt: missed,
        attempt: 0,
        createdAt: Date.parse('2026-06-01T11:00:00.000Z'),
      });
      await until(
        'the timer moved on',
        async () => (await t!.timerStore.get(t!.app, 'c1', 'minutely'))!.timer.dueAt > host.now(),
      );
      await new Promise((r) => setTimeout(r, 300));
      if (catchUp === 'once') {
        assert.deepEqual(
          firings.map((f) => f.timer!.scheduledAt),
          [missed],
        );
      } else assert.equal(firings.length, 0);
      const dueAt = (await t.timerStore.get(t.app, 'c1', 'minutely'))!.timer.dueAt;
      assert.equal(dueAt, Date.parse('2026-06-01T12:01:00.000Z'));
    });
  }
});

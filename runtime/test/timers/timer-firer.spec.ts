import assert from 'node:assert/strict';
import { encode, newId, unwrapReply, decode, type TimerInfo } from '@praas/framework/internal';
import { startTestHost, type TestHost } from '../fixtures';
import { Alarms, failures, firings, Ticker, until } from './timer-fixtures';

const fast = { pollMs: 200, retryBaseMs: 20, retryMaxMs: 100 };

describe('timers on a runtime host', () => {
  let t: TestHost;
  let second: TestHost | undefined;

  beforeEach(async () => {
    firings.length = 0;
    failures.clear();
    t = await startTestHost({ processes: [Alarms, Ticker], timers: { firer: fast } });
  });
  afterEach(async () => {
    await second?.close();
    second = undefined;
    await t.close();
  });

  const plan = (pid: string, fn: string, options: object, data?: unknown): Promise<string> =>
    t.invoke<string>(pid, 'plan', { fn, data, options });

  it('fires a one-shot timer once, with ctx.timer, and removes it', async () => {
    await t.host.create('a1', 'alarms');
    const before = Date.now();
    const id = await plan('a1', 'ring', { afterMs: 50 }, { hello: 1 });
    await until('the firing', () => firings.length === 1);
    const [f] = firings;
    assert.deepEqual(f!.data, { hello: 1 });
    assert.equal(f!.timer!.id, id);
    assert.equal(f!.timer!.attempt, 1);
    assert.ok(f!.timer!.scheduledAt >= before + 50);
    await until('the timer removed', async () => (await t.invoke<TimerInfo[]>('a1', 'list')).length === 0);
    assert.equal(firings.length, 1);
    assert.equal(await t.invoke('a1', 'count'), 1);
    const metrics = await t.host.metrics.render();
    assert.match(metrics, /^praas_host_timers_fired_total\{[^}]*outcome="ok"[^}]*\} 1$/m);
    assert.match(metrics, /^praas_host_timer_lateness_ms_count\{[^}]*\} 1$/m);
  });

  it('leaves ctx.timer undefined for a call that is no firing', async () => {
    await t.host.create('a1', 'alarms');
    await t.invoke('a1', 'ring', 'direct');
    assert.equal(firings[0]!.timer, undefined);
  });

  it('retries a failing firing with counted attempts and stops once it succeeds', async () => {
    await t.host.create('a1', 'alarms');
    failures.set('k', 3);
    await plan('a1', 'flaky', { afterMs: 10 }, 'k');
    await until('the successful attempt', () => firings.length === 4);
    await until('the timer removed', async () => (await t.invoke<TimerInfo[]>('a1', 'list')).length === 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      firings.map((f) => f.timer!.attempt),
      [1, 2, 3, 4],
    );
    assert.equal(new Set(firings.map((f) => f.timer!.scheduledAt)).size, 1, 'every retry carries the scheduled time');
    const metrics = await t.host.metrics.render();
    assert.match(metrics, /^praas_host_timer_retries_total\{[^}]*\} 3$/m);
    assert.match(metrics, /^praas_host_timers_fired_total\{[^}]*outcome="failed"[^}]*\} 3$/m);
    assert.match(metrics, /^praas_host_timer_lateness_ms_count\{[^}]*\} 1$/m, 'lateness counts first attempts');
  });

  it('never fires a timer cancelled before it is due', async () => {
    await t.host.create('a1', 'alarms');
    const id = await plan('a1', 'ring', { afterMs: 150 });
    assert.equal(await t.invoke('a1', 'cancel', id), true);
    assert.equal(await t.invoke('a1', 'cancel', id), false);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(firings.length, 0);
  });

  it('replaces a timer scheduled again with the same key', async () => {
    await t.host.create('a1', 'alarms');
    assert.equal(await plan('a1', 'ring', { afterMs: 100_000, key: 'once' }, 'first'), 'once');
    assert.equal(await plan('a1', 'ring', { afterMs: 20, key: 'once' }, 'second'), 'once');
    await until('the firing', () => firings.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      firings.map((f) => f.data),
      ['second'],
    );
  });

  it('lists the process timers without their payload', async () => {
    await t.host.create('a1', 'alarms');
    await plan('a1', 'ring', { every: '1h', key: 'hourly' }, 'big payload');
    const [timer, ...rest] = await t.invoke<TimerInfo[]>('a1', 'list');
    assert.equal(rest.length, 0);
    assert.equal(timer!.id, 'hourly');
    assert.equal(timer!.fn, 'ring');
    assert.equal(timer!.key, 'hourly');
    assert.equal(timer!.attempt, 0);
    assert.equal(timer!.schedule.kind, 'every');
    assert.equal('data' in timer!, false);
  });

  it('rejects a bad schedule, an unknown function and a trigger function with the reason', async () => {
    await t.host.create('a1', 'alarms');
    await assert.rejects(plan('a1', 'ring', { afterMs: 10, every: '1m' }), /exactly one of at, afterMs, every, cron/);
    await assert.rejects(plan('a1', 'nope', { afterMs: 10 }), /nope/);
    await assert.rejects(plan('a1', 'gather', { afterMs: 10 }), /multiSource function/);
    await assert.rejects(plan('a1', 'ring', { every: '5 minutes' }), /every must be/);
  });

  it('swaps a swapped-out process in to fire its timer, once', async () => {
    await t.host.create('a1', 'alarms');
    await plan('a1', 'ring', { afterMs: 300 });
    await t.host.swapOut('a1');
    assert.equal(t.host.local('a1'), undefined);
    await until('the firing', () => firings.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(firings.length, 1);
    assert.equal(t.host.local('a1')?.status, 'active');
  });

  it('runs a firing delivered again after it succeeded (and was swapped out) no second time', async () => {
    await t.host.create('a1', 'alarms');
    const envelope = {
      t: 'inv' as const,
      id: `tmr-x-${newId()}`,
      from: 'timer:x',
      fn: 'ring',
      data: encode('once'),
      timer: { id: 'x', attempt: 1, scheduledAt: 1 },
    };
    assert.equal(decode(unwrapReply(await t.client.invoke('a1', envelope))!), 1);
    await t.host.swapOut('a1');
    const again = await t.client.invoke('a1', { ...envelope, timer: { ...envelope.timer, attempt: 2 } });
    assert.equal(again.ok, true);
    assert.equal(firings.length, 1);
    assert.equal(await t.invoke('a1', 'count'), 1);
    // The same call without a timer is an ordinary invocation: it runs.
    await t.client.invoke('a1', { ...envelope, id: newId(), timer: undefined });
    assert.equal(firings.length, 2);
  });

  it('creates the declared schedules with the process, idempotently, and deletes them with it', async () => {
    await t.host.create('k1', 'ticker');
    await until('three ticks', () => firings.length >= 3);
    assert.ok(firings.every((f) => f.fn === 'tick' && f.timer?.id === 'tick' && f.data === undefined));
    const scheduled = firings.map((f) => f.timer!.scheduledAt);
    assert.deepEqual(
      scheduled.slice(1).map((s, i) => s - scheduled[i]!),
      scheduled.slice(1).map(() => 200),
    );
    assert.equal((await t.timerStore.list(t.app, 'k1')).length, 1);
    await t.host.delete('k1');
    assert.deepEqual(await t.timerStore.list(t.app, 'k1'), []);
    const count = firings.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(firings.length <= count + 1, 'at most a firing in flight at the delete lands');
  });

  it('fires each of many timers once across two hosts sharing the store', async () => {
    second = await startTestHost({ processes: [Alarms, Ticker], joining: t, hostId: 'h2', timers: { firer: fast } });
    const pids = Array.from({ length: 10 }, (_, i) => `m${i}`);
    for (const pid of pids) await t.host.create(pid, 'alarms');
    for (const pid of pids)
      for (let i = 0; i < 20; i++) await plan(pid, 'ring', { afterMs: 100 + i * 5 }, `${pid}/${i}`);
    await until('200 firings', () => firings.length >= 200, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const seen = firings.map((f) => f.data as string);
    assert.equal(seen.length, 200);
    assert.equal(new Set(seen).size, 200);
  });

  describe('with a look at the index once a minute', () => {
    let slow: TestHost;
    beforeEach(async () => {
      slow = await startTestHost({ processes: [Alarms], hostId: 'slow', timers: { firer: { pollMs: 60_000 } } });
    });
    afterEach(() => slow.close());

    it('fires a timer scheduled on the host at its time, from what it wrote, without another look', async () => {
      await slow.host.create('a1', 'alarms');
      const store = slow.timerStore;
      const due = store.due.bind(store);
      let looks = 0;
      store.due = (...args) => {
        looks++;
        return due(...args);
      };
      await slow.invoke('a1', 'plan', { fn: 'ring', options: { afterMs: 100 } });
      // Within 5 s, while the next look is a minute away.
      await until('the firing', () => firings.length === 1, 5_000);
      assert.equal(looks, 0);
      // The retry of a failed firing and the next time of a recurring one are known the same way.
      await slow.invoke('a1', 'plan', { fn: 'ring', options: { every: '150ms', key: 'often' } });
      await until('three more firings', () => firings.length === 4, 5_000);
      assert.equal(looks, 0);
    });
  });

  describe('with a slow index', function () {
    // Stopping the host waits for the look in progress.
    this.timeout(20_000);
    let slow: TestHost;
    beforeEach(async () => {
      slow = await startTestHost({ processes: [Alarms], hostId: 'slow-index', timers: { firer: { pollMs: 200 } } });
    });
    afterEach(() => slow.close());

    it('fires a known timer while a look at the index is still running', async () => {
      await slow.host.create('a1', 'alarms');
      const store = slow.timerStore;
      const due = store.due.bind(store);
      store.due = async (...args) => {
        await new Promise((r) => setTimeout(r, 8_000));
        return due(...args);
      };
      // The first slow look starts within a poll interval.
      await new Promise((r) => setTimeout(r, 300));
      await slow.invoke('a1', 'plan', { fn: 'ring', options: { afterMs: 100 } });
      await until('the firing, before the look ends', () => firings.length === 1, 4_000);
    });
  });
});

import assert from 'node:assert/strict';
import { DataPlaneClient, decode, encode, newId, unwrapReply } from '@praas/framework/internal';
import {
  FAST_FAILURE_ENV,
  HostControl,
  natsHostsForSuite,
  TIMERS_FIXTURE_MODULE,
  type NatsHostsSuite,
  type PlanManyArgs,
} from '../src';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Report {
  fired: Record<string, number>;
  attempts: number[];
  scheduled: Record<string, number>;
}

/** Calls a process of the suite's application from outside, as a client on the data plane. */
function caller(suite: NatsHostsSuite, app: string) {
  return async <R>(pid: string, fn: string, data?: unknown): Promise<R> => {
    const client = new DataPlaneClient(suite.transport, suite.registry, app);
    const envelope = { t: 'inv' as const, id: newId(), from: 'client:test', fn, data: encode(data) };
    const bytes = unwrapReply(await client.invoke(pid, envelope, 60_000, { idempotent: true }));
    return (bytes === undefined ? undefined : decode(bytes)) as R;
  };
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Every key fired, with how often, over the reports of `pids`. */
async function firedCounts(call: ReturnType<typeof caller>, pids: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const pid of pids) {
    for (const [key, n] of Object.entries((await call<Report>(pid, 'report')).fired)) counts.set(key, n);
  }
  return counts;
}

/**
 * Durable timers end to end (issue 19): hosts as OS processes on a real nats-server, the timers in
 * JetStream KV, firings delivered as invocations.
 */
describe('durable timers (hosts as OS processes)', function () {
  this.timeout(240_000);
  const app = `timers-${Date.now().toString(36)}`;
  const suite = natsHostsForSuite('timers', {
    app,
    modulePath: TIMERS_FIXTURE_MODULE,
    env: { ...FAST_FAILURE_ENV, PRAAS_TIMER_RETRY_MS: '200' },
  });
  const call = caller(suite, app);
  let control: HostControl;
  let first: string;

  before(async function () {
    control = new HostControl(suite.transport, app);
    first = (await suite.spawnHost('timers-a')).id;
    await suite.spawnHost('timers-b');
  });

  it('swaps a swapped-out process in to fire its timer, and runs it once', async () => {
    await control.create(first, 'sleeper', 'Alarm');
    await call('sleeper', 'plan', { fn: 'ring', data: 'wake', options: { afterMs: 2_000 } });
    assert.equal((await control.swap(first, 'sleeper')).status, 'swapped');
    await until(
      'the process swapped in',
      async () => (await suite.registry.getProcess(app, 'sleeper'))?.status === 'active',
      20_000,
    );
    await until('the firing', async () => (await call<Report>('sleeper', 'report')).fired['wake'] === 1, 20_000);
    await sleep(1_000);
    assert.deepEqual((await call<Report>('sleeper', 'report')).fired, { wake: 1 });
    assert.equal(await call('sleeper', 'pending'), 0);
  });

  it('retries a failing handler with counted attempts and stops once it succeeds', async () => {
    await control.create(first, 'flaky', 'Alarm');
    await call('flaky', 'plan', { fn: 'flaky', data: 3, options: { afterMs: 200 } });
    await until(
      'the successful attempt',
      async () => (await call<Report>('flaky', 'report')).attempts.length >= 3,
      30_000,
    );
    await until('the timer done', async () => (await call<number>('flaky', 'pending')) === 0, 10_000);
    await sleep(1_500);
    assert.deepEqual((await call<Report>('flaky', 'report')).attempts, [1, 2, 3]);
  });

  it('never fires a timer cancelled before it is due', async () => {
    await control.create(first, 'cancelled', 'Alarm');
    const id = await call<string>('cancelled', 'plan', { fn: 'ring', data: 'never', options: { afterMs: 1_500 } });
    assert.equal(await call('cancelled', 'cancel', id), true);
    await sleep(3_000);
    assert.deepEqual((await call<Report>('cancelled', 'report')).fired, {});
  });

  it('fires 1,000 timers due in the next seconds exactly once after their host is SIGKILLed', async () => {
    const doomed = await suite.spawnHost('timers-doomed');
    const pids = Array.from({ length: 10 }, (_, i) => `kill-${i}`);
    for (const pid of pids) await control.create(doomed.id, pid, 'Alarm');
    const args = (pid: string): PlanManyArgs => ({ n: 100, prefix: pid, firstMs: 4_000, spreadMs: 3_000 });
    await Promise.all(pids.map((pid) => call(pid, 'planMany', args(pid))));
    await doomed.kill();
    await until('1,000 firings', async () => [...(await firedCounts(call, pids)).values()].length === 1_000, 120_000);
    await sleep(2_000);
    const counts = await firedCounts(call, pids);
    assert.equal(counts.size, 1_000);
    assert.deepEqual([...new Set(counts.values())], [1], 'a firing ran twice');
    for (const pid of pids) assert.notEqual((await suite.registry.getProcess(app, pid))?.host, doomed.id);
  });

  it('fires 10,000 timers, none twice', async () => {
    const pids = Array.from({ length: 20 }, (_, i) => `many-${i}`);
    for (const [i, pid] of pids.entries()) await control.create(i % 2 === 0 ? first : 'timers-b', pid, 'Alarm');
    await Promise.all(
      pids.map((pid) => call(pid, 'planMany', { n: 500, prefix: pid, firstMs: 2_000, spreadMs: 10_000 })),
    );
    await until('10,000 firings', async () => (await firedCounts(call, pids)).size === 10_000, 180_000);
    await sleep(2_000);
    const counts = await firedCounts(call, pids);
    assert.equal(counts.size, 10_000);
    assert.deepEqual([...new Set(counts.values())], [1], 'a firing ran twice');
    for (const pid of pids) assert.equal(await call(pid, 'pending'), 0);
  });
});

/**
 * A cron schedule on hosts whose timers' clock is set (PRAAS_TIMER_CLOCK_OFFSET_MS) to just before
 * 03:00 in Berlin on the day summer time starts: it fires at that wall-clock minute.
 */
describe('a cron schedule on an injected clock (hosts as OS processes)', function () {
  this.timeout(120_000);
  const app = `cron-${Date.now().toString(36)}`;
  const target = Date.parse('2026-03-29T01:00:00.000Z');
  // Filled in when the test spawns its host: the host's clock then reaches the target some seconds later.
  const env: Record<string, string> = { ...FAST_FAILURE_ENV };
  const suite = natsHostsForSuite('timers-cron', { app, modulePath: TIMERS_FIXTURE_MODULE, env });
  const call = caller(suite, app);

  it('fires at 03:00 Europe/Berlin (01:00 UTC), the minute a minutely schedule fires too', async () => {
    const offset = target - 8_000 - Date.now();
    env['PRAAS_TIMER_CLOCK_OFFSET_MS'] = String(offset);
    const host = await suite.spawnHost('cron-a');
    await new HostControl(suite.transport, app).create(host.id, 'nightly', 'Alarm');
    assert.ok(Date.now() + offset < target - 1_000, 'the host started too slowly for the chosen clock');
    await call('nightly', 'plan', { fn: 'ring', data: 'berlin', options: { cron: '0 3 * * *', tz: 'Europe/Berlin' } });
    await call('nightly', 'plan', { fn: 'ring', data: 'utc', options: { cron: '* * * * *' } });
    await until(
      'the firings',
      async () => Object.keys((await call<Report>('nightly', 'report')).fired).length === 2,
      60_000,
    );
    const { scheduled } = await call<Report>('nightly', 'report');
    assert.deepEqual(scheduled, { berlin: target, utc: target });
  });
});

import assert from 'node:assert/strict';
import { MemoryLogger, MemoryRegistry, TimeoutError, type AppRecord, type HostRecord } from '@praas/framework/internal';
import { DownScalingPolicy } from '../src';

const host = (over: Partial<HostRecord>): HostRecord => ({
  id: 'h',
  app: 'a',
  startedAt: 0,
  heartbeatAt: 10_000,
  activeProcesses: 0,
  ...over,
});

/** A registry that fails every listing while `down` is set, like NATS KV while nats-server restarts. */
class FlakyRegistry extends MemoryRegistry {
  down = false;
  listings = 0;
  override listApps(): Promise<AppRecord[]> {
    this.listings++;
    if (this.down) return Promise.reject(new TimeoutError('listing of the registry did not complete in 10000 ms'));
    return super.listApps();
  }
}

describe('the down-scaling loop', () => {
  it('asks only live hosts, and reports what each decided', async () => {
    const registry = new MemoryRegistry();
    await registry.putApp({ name: 'a', incarnation: 'i1', createdAt: 0, processClasses: ['C'] });
    await registry.putHost(host({ id: 'live', heartbeatAt: 10_000 }));
    await registry.putHost(host({ id: 'stale', heartbeatAt: 0 }));
    const asked: string[] = [];
    const reported: string[] = [];
    const policy = new DownScalingPolicy({
      registry,
      scaleDown: (_app, h) => {
        asked.push(h);
        return Promise.resolve([{ pid: 'p1', reason: 'idle', outcome: 'swapped', durationMs: 3 }]);
      },
      hostStaleMs: 5_000,
      onSwap: (d, outcome) => reported.push(`${d.app}/${d.pid}:${d.reason}:${outcome}`),
    });
    assert.deepEqual(await policy.tick(12_000), [{ app: 'a', pid: 'p1', reason: 'idle' }]);
    assert.deepEqual(asked, ['live']);
    assert.deepEqual(reported, ['a/p1:idle:swapped']);
    await registry.close();
  });

  it('survives a registry that fails for a while: logs the failure once, never rejects unhandled, and resumes', async () => {
    const registry = new FlakyRegistry();
    await registry.putApp({ name: 'a', incarnation: 'i1', createdAt: 0, processClasses: ['C'] });
    await registry.putHost(host({ heartbeatAt: Date.now() + 3_600_000 }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const logger = new MemoryLogger();
    const swapped: string[] = [];
    registry.down = true;
    const policy = new DownScalingPolicy({
      registry,
      scaleDown: () => {
        swapped.push('idle');
        return Promise.resolve([{ pid: 'idle', reason: 'idle', outcome: 'swapped', durationMs: 1 }]);
      },
      intervalMs: 5,
      logger,
    });
    try {
      policy.start();
      // Several failed passes: a rejection that escaped one of them would have been reported by now.
      while (registry.listings < 5) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(swapped.length, 0);
      registry.down = false;
      while (swapped.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await policy.stop();
      assert.deepEqual(unhandled, []);
      const lines = logger.records
        .filter((r) => r.level === 'warn' || r.level === 'info')
        .map((r) => `${r.msg}${r['err'] === undefined ? '' : `: ${(r['err'] as { message?: string }).message}`}`);
      assert.deepEqual(lines, [
        'the down-scaling pass failed; it keeps retrying: listing of the registry did not complete in 10000 ms',
        lines[1],
      ]);
      assert.match(lines[1]!, /^the down-scaling pass works again, after \d+ failed rounds?$/);
      assert.equal(swapped[0], 'idle');
    } finally {
      await policy.stop();
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

import assert from 'node:assert/strict';
import { MemoryLogger, MemoryRegistry, TimeoutError, type AppRecord, type HostRecord } from '@praas/framework';
import { decideSwaps, DownScalingPolicy } from '../src';

const host = (over: Partial<HostRecord>): HostRecord => ({
  id: 'h',
  app: 'a',
  startedAt: 0,
  heartbeatAt: 10_000,
  activeProcesses: 0,
  ...over,
});

describe('down-scaling decisions', () => {
  it('swaps out processes idle longer than their timeout, never busy ones or those without a timeout', () => {
    const decisions = decideSwaps(
      [
        host({
          processes: [
            { pid: 'idle', lastActivity: 1_000, busy: 0, idleTimeoutMs: 5_000 },
            { pid: 'recent', lastActivity: 9_000, busy: 0, idleTimeoutMs: 5_000 },
            { pid: 'busy', lastActivity: 1_000, busy: 2, idleTimeoutMs: 5_000 },
            { pid: 'forever', lastActivity: 0, busy: 0, idleTimeoutMs: 0 },
          ],
        }),
      ],
      10_000,
    );
    assert.deepEqual(decisions, [{ app: 'a', pid: 'idle', reason: 'idle' }]);
  });

  it('above the memory budget, swaps out the least recently used idle process', () => {
    const processes = [
      { pid: 'newer', lastActivity: 8_000, busy: 0, idleTimeoutMs: 60_000 },
      { pid: 'oldest-busy', lastActivity: 1_000, busy: 1, idleTimeoutMs: 60_000 },
      { pid: 'older', lastActivity: 2_000, busy: 0, idleTimeoutMs: 60_000 },
    ];
    assert.deepEqual(decideSwaps([host({ memoryBytes: 200, memoryBudgetBytes: 100, processes })], 10_000), [
      { app: 'a', pid: 'older', reason: 'memory' },
    ]);
    assert.deepEqual(decideSwaps([host({ memoryBytes: 50, memoryBudgetBytes: 100, processes })], 10_000), []);
  });

  it('ignores hosts whose heartbeat stopped', () => {
    const stale = host({ heartbeatAt: 0, processes: [{ pid: 'p', lastActivity: 0, busy: 0, idleTimeoutMs: 1 }] });
    assert.deepEqual(decideSwaps([stale], 60_000), []);
  });
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
  it('survives a registry that fails for a while: logs the failure once, never rejects unhandled, and resumes', async () => {
    const registry = new FlakyRegistry();
    await registry.putApp({ name: 'a', incarnation: 'i1', createdAt: 0, processClasses: ['C'] });
    const idle = { pid: 'idle', lastActivity: 0, busy: 0, idleTimeoutMs: 1 };
    await registry.putHost(host({ heartbeatAt: Date.now() + 3_600_000, processes: [idle] }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const logger = new MemoryLogger();
    const swapped: string[] = [];
    registry.down = true;
    const policy = new DownScalingPolicy({
      registry,
      swap: (_app, pid) => Promise.resolve(swapped.push(pid)),
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

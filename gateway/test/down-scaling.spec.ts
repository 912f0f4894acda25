import assert from 'node:assert/strict';
import type { HostRecord } from '@praas/framework';
import { decideSwaps } from '../src';

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

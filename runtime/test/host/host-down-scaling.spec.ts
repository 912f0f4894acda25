import assert from 'node:assert/strict';
import { ProcessUnavailableError } from '@praas/framework/internal';
import { decideSwaps, HostDownScaling } from '../../src/host/host-down-scaling';
import type { ProcessController } from '../../src/process/process-controller';

const noBudget = { usedBytes: 0, budgetBytes: 0 };

describe('down-scaling decisions on the host', () => {
  it('swaps out processes idle longer than their timeout, never busy ones or those without a timeout', () => {
    const decisions = decideSwaps(
      [
        { pid: 'idle', lastActivity: 1_000, busy: 0, idleTimeoutMs: 5_000 },
        { pid: 'recent', lastActivity: 9_000, busy: 0, idleTimeoutMs: 5_000 },
        { pid: 'busy', lastActivity: 1_000, busy: 2, idleTimeoutMs: 5_000 },
        { pid: 'forever', lastActivity: 0, busy: 0, idleTimeoutMs: 0 },
      ],
      noBudget,
      10_000,
    );
    assert.deepEqual(decisions, [{ pid: 'idle', reason: 'idle' }]);
  });

  it('above the memory budget, swaps out the least recently used idle process', () => {
    const processes = [
      { pid: 'newer', lastActivity: 8_000, busy: 0, idleTimeoutMs: 60_000 },
      { pid: 'oldest-busy', lastActivity: 1_000, busy: 1, idleTimeoutMs: 60_000 },
      { pid: 'older', lastActivity: 2_000, busy: 0, idleTimeoutMs: 60_000 },
    ];
    assert.deepEqual(decideSwaps(processes, { usedBytes: 200, budgetBytes: 100 }, 10_000), [
      { pid: 'older', reason: 'memory' },
    ]);
    assert.deepEqual(decideSwaps(processes, { usedBytes: 50, budgetBytes: 100 }, 10_000), []);
  });

  it('does not choose a process twice: one idle too long is not also the memory choice', () => {
    const processes = [
      { pid: 'stale', lastActivity: 0, busy: 0, idleTimeoutMs: 1_000 },
      { pid: 'warm', lastActivity: 9_000, busy: 0, idleTimeoutMs: 60_000 },
    ];
    assert.deepEqual(decideSwaps(processes, { usedBytes: 200, budgetBytes: 100 }, 10_000), [
      { pid: 'stale', reason: 'idle' },
      { pid: 'warm', reason: 'memory' },
    ]);
  });
});

describe('HostDownScaling', () => {
  const controller = (pid: string, status: string, lastActivity: number): ProcessController =>
    ({ pid, status, lastActivity, busy: 0, definition: { idleTimeoutMs: 1_000 } }) as unknown as ProcessController;

  it('swaps out what it decided among its active processes and reports each outcome, failures included', async () => {
    const controllers = [
      controller('gone-idle', 'active', 0),
      controller('got-busy', 'active', 0),
      controller('fresh', 'active', Date.now() + 60_000),
      controller('leaving', 'swapping-out', 0),
    ];
    const swapped: string[] = [];
    const scaling = new HostDownScaling({
      table: { list: () => controllers },
      swapOut: (pid) => {
        if (pid === 'got-busy') return Promise.reject(new ProcessUnavailableError('a', pid, 'swapping-out'));
        swapped.push(pid);
        return Promise.resolve();
      },
    });
    const outcomes = await scaling.scaleDown();
    assert.deepEqual(swapped, ['gone-idle']);
    assert.deepEqual(
      outcomes.map((o) => [o.pid, o.reason, o.outcome, o.error?.code]),
      [
        ['gone-idle', 'idle', 'swapped', undefined],
        ['got-busy', 'idle', 'failed', 'PROCESS_UNAVAILABLE'],
      ],
    );
  });

  it('works against its memory budget with the resident memory it measures', async () => {
    const controllers = [controller('a', 'active', Date.now()), controller('b', 'active', Date.now() - 10)];
    let used = 50;
    const swapped: string[] = [];
    const scaling = new HostDownScaling({
      table: { list: () => controllers.map((c) => Object.assign(c, { definition: { idleTimeoutMs: 0 } })) },
      swapOut: (pid) => Promise.resolve(void swapped.push(pid)),
      memoryBudgetBytes: 100,
      memoryBytes: () => used,
    });
    assert.deepEqual(await scaling.scaleDown(), []);
    used = 150;
    assert.deepEqual(
      (await scaling.scaleDown()).map((o) => [o.pid, o.reason]),
      [['b', 'memory']],
    );
    assert.deepEqual(swapped, ['b']);
  });
});

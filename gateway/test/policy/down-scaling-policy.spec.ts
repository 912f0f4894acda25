import assert from 'node:assert/strict';
import {
  MemoryLogger,
  MemoryRegistry,
  ProcessUnavailableError,
  toWireError,
  UnavailableError,
  type AppRecord,
  type Registry,
} from '@praas/framework/internal';
import { DownScalingPolicy } from '../../src/policy/down-scaling';

const app: AppRecord = { name: 'idle', incarnation: 'i1', createdAt: 1, processClasses: ['Counter'] };

/** Resolves once `check` holds, looking every few milliseconds. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 1_000) assert.fail(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('DownScalingPolicy', function () {
  let registry: MemoryRegistry;

  beforeEach(async function () {
    registry = new MemoryRegistry();
    await registry.putApp(app);
    await registry.putHost({
      id: 'h1',
      app: app.name,
      startedAt: 1,
      heartbeatAt: Date.now() + 60_000,
      activeProcesses: 2,
    });
  });
  afterEach(async function () {
    await registry.close();
  });

  it('logs a pass that failed to read the registry, and keeps passing', async function () {
    const logger = new MemoryLogger();
    let failures = 1;
    const flaky: Registry = Object.create(registry) as Registry;
    flaky.listApps = () =>
      failures-- > 0 ? Promise.reject(new UnavailableError('the registry did not answer')) : registry.listApps();
    const swapped: string[] = [];
    const policy = new DownScalingPolicy({
      registry: flaky,
      scaleDown: () => {
        swapped.push('p');
        return Promise.resolve([]);
      },
      intervalMs: 5,
      logger,
    });
    policy.start();
    try {
      await until(() => swapped.length >= 1, 'a pass after the failed one');
    } finally {
      await policy.stop();
    }
    const [record] = logger.at('warn', 'down-scaling pass failed');
    assert.ok(record, JSON.stringify(logger.records));
    assert.equal((record['err'] as { message: string }).message, 'the registry did not answer');
  });

  it('logs a swap that failed at warn, one that found the process busy at debug', async function () {
    const logger = new MemoryLogger();
    const policy = new DownScalingPolicy({
      registry,
      // What the host reports of two swaps it decided on and could not carry out.
      scaleDown: (name) =>
        Promise.resolve([
          {
            pid: 'busy-now',
            reason: 'idle',
            outcome: 'failed',
            durationMs: 1,
            error: toWireError(new ProcessUnavailableError(name, 'busy-now', 'swapping-out')),
          },
          {
            pid: 'unreachable',
            reason: 'memory',
            outcome: 'failed',
            durationMs: 1,
            error: toWireError(new UnavailableError('the swap store did not answer')),
          },
        ]),
      logger,
    });
    const decisions = await policy.tick();
    assert.equal(decisions.length, 2);
    assert.deepEqual(
      logger.at('warn').map((r) => [r.msg, r['pid']]),
      [['a down-scaling swap failed; the next pass looks again', 'unreachable']],
    );
    assert.deepEqual(
      logger.at('debug').map((r) => r['pid']),
      ['busy-now'],
    );
  });
});

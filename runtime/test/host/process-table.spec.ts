import assert from 'node:assert/strict';
import { processInfo, processSubject } from '@praas/framework/internal';
import type { ProcessController } from '../../src';
import { ProcessTable } from '../../src/host/process-table';

function controller(pid: string, status: string, codeVersion?: number, upgradeError?: unknown): ProcessController {
  return {
    pid,
    status,
    generation: 3,
    codeVersion,
    upgradeError,
    definition: { name: 'Tally', version: 4 },
  } as unknown as ProcessController;
}

describe('ProcessTable', function () {
  it('holds controllers by pid and forgets only the one it is told to', function () {
    const table = new ProcessTable('app', 'h1');
    const first = controller('p', 'active');
    table.add(first);
    assert.equal(table.local('p'), first);
    const successor = controller('p', 'swapping-in');
    table.add(successor);
    table.remove(first);
    assert.equal(table.local('p'), successor, 'a successor stays');
    table.remove(successor);
    assert.deepEqual([table.size, table.pids(), table.list()], [0, [], []]);
  });

  it('names this host in the info of an active process only, with its code and state version', function () {
    const table = new ProcessTable('app', 'h1');
    assert.deepEqual(table.info(controller('p', 'active', 2)), {
      app: 'app',
      pid: 'p',
      processClass: 'Tally',
      status: 'active',
      address: processSubject('app', 'p'),
      generation: 3,
      host: 'h1',
      version: 2,
      stateVersion: 4,
    });
    assert.equal(table.info(controller('p', 'swapped')).host, undefined);
    assert.equal('version' in table.info(controller('p', 'swapped')), false);
    assert.equal('stateVersion' in table.info(controller('p', 'swapped')), false, 'a local module records no versions');
    const failed = { version: 3, code: 'MIGRATION_FAILED', message: 'no' };
    assert.deepEqual(table.info(controller('p', 'active', 2, failed)).upgradeError, failed);
  });

  it('runs the operations on one pid one after another', async function () {
    const table = new ProcessTable('app', 'h1');
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = table.locked('p', async () => {
      events.push('first');
      await held;
      events.push('first done');
    });
    const second = table.locked('p', () => Promise.resolve(void events.push('second')));
    const other = table.locked('q', () => Promise.resolve(void events.push('other pid')));
    await other;
    release();
    await Promise.all([first, second]);
    assert.deepEqual(events, ['first', 'other pid', 'first done', 'second']);
  });

  it('gives the info the registry shows for a process held elsewhere', function () {
    const record = { app: 'app', pid: 'p', processClass: 'Tally', generation: 1, updatedAt: 1 } as const;
    assert.equal(processInfo({ ...record, status: 'active', host: 'h2' }).host, 'h2');
    assert.equal(processInfo({ ...record, status: 'swapped', host: 'h2' }).host, undefined);
    assert.equal(processInfo({ ...record, status: 'swapped', version: 4 }).version, 4);
  });
});

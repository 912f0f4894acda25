import assert from 'node:assert/strict';
import { MemoryLogger } from '@praas/framework/internal';
import { Fencing } from '../../src/host/fencing';
import { ProcessTable } from '../../src/host/process-table';
import { startTestHost, type TestHost } from '../fixtures';

describe('RuntimeHost fencing', () => {
  let t: TestHost;
  beforeEach(async () => {
    t = await startTestHost();
    await t.host.create('mine', 'Worker');
    await t.host.create('taken', 'Worker');
  });
  afterEach(async () => t.close());

  it('drops a local copy of a process the registry has placed on another host, and keeps the others', async () => {
    const record = await t.registry.getProcess('test', 'taken');
    await t.registry.putProcess({ ...record!, host: 'other-host', updatedAt: Date.now() });
    assert.deepEqual(await t.host.fence(), ['taken']);
    assert.equal(t.host.local('taken'), undefined);
    assert.equal(t.host.local('mine')?.status, 'active');
    assert.equal(
      (await t.registry.getProcess('test', 'taken'))?.host,
      'other-host',
      'the new holder’s record is left alone',
    );
    assert.deepEqual(await t.host.fence(), []);
  });
});

describe('Fencing', () => {
  let t: TestHost;
  beforeEach(async () => (t = await startTestHost()));
  afterEach(async () => t.close());

  it('logs each stale copy it drops, naming the process and its new holder', async () => {
    for (const pid of ['kept', 'moved']) await t.host.create(pid, 'Worker');
    const logger = new MemoryLogger();
    const table = new ProcessTable('test', 'h1');
    for (const controller of t.host.list()) table.add(controller);
    const fencing = new Fencing({ app: 'test', hostId: 'h1', registry: t.registry, table, logger });
    const record = await t.registry.getProcess('test', 'moved');
    await t.registry.putProcess({ ...record!, host: 'h2', updatedAt: Date.now() });
    assert.deepEqual(await fencing.fence(), ['moved']);
    assert.deepEqual(table.pids(), ['kept']);
    assert.deepEqual(
      logger.at('warn', 'dropped a process').map((r) => [r['pid'], r['holder']]),
      [['moved', 'h2']],
    );
  });

  it('leaves a table without processes alone', async () => {
    const table = new ProcessTable('test', 'h1');
    const fencing = new Fencing({ app: 'test', hostId: 'h1', registry: t.registry, table, logger: new MemoryLogger() });
    assert.deepEqual(await fencing.fence(), []);
  });
});

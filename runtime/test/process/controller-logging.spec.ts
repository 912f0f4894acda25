import assert from 'node:assert/strict';
import 'reflect-metadata';
import {
  DataPlaneClient,
  encode,
  MemoryLogger,
  MemoryRegistry,
  MemoryTransport,
  processDefinitionOf,
} from '@praas/framework/internal';
import { ProcessController, RuntimeHost } from '../../src';
import { SnapshotRepository } from '../../src/state/snapshot-repository';
import { StateTypeCheck } from '../../src/state/state-type-check';
import { memoryStore, Stateful } from './process-parts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ProcessController logging', () => {
  it('logs a failed periodic checkpoint as a warning with the error, and stays active', async () => {
    const transport = new MemoryTransport();
    const registry = new MemoryRegistry();
    const store = memoryStore();
    const logger = new MemoryLogger();
    const controller = await ProcessController.start({
      app: 'app',
      pid: 't1',
      hostId: 'h1',
      definition: processDefinitionOf(Stateful),
      transport,
      registry,
      snapshots: new SnapshotRepository(store),
      stateTypes: new StateTypeCheck(() => undefined),
      directory: { local: () => undefined },
      dataPlane: new DataPlaneClient(transport, registry, 'app'),
      logger: logger.child({ pid: 't1' }),
    });
    try {
      store.failPuts = true;
      const reply = await controller.handle({ t: 'inv', id: 'i1', from: 'client:x', fn: 'inc', data: encode(null) });
      assert.equal(reply.ok, true);
      for (let i = 0; i < 200 && logger.at('warn').length === 0; i++) await sleep(5);
      const [record] = logger.at('warn', 'checkpoint failed');
      assert.ok(record, 'a failed checkpoint is logged');
      assert.equal(record['pid'], 't1');
      assert.match(JSON.stringify(record['err']), /object store refused/);
      assert.equal(controller.status, 'active');
      assert.equal(controller.generation, 0);
    } finally {
      await controller.stop();
      await transport.close();
    }
  });

  it("gets its host's logger with its pid bound: the host's failed checkpoints name host and process", async () => {
    const transport = new MemoryTransport();
    const registry = new MemoryRegistry();
    const store = memoryStore();
    const logger = new MemoryLogger();
    const host = new RuntimeHost({
      app: 'app',
      processes: [Stateful],
      transport,
      registry,
      store,
      hostId: 'h1',
      dataPlane: 'nats',
      logger,
    });
    await host.start();
    try {
      await host.create('t2', 'Stateful');
      store.failPuts = true;
      await host.local('t2')!.handle({ t: 'inv', id: 'i1', from: 'client:x', fn: 'inc', data: encode(null) });
      for (let i = 0; i < 200 && logger.at('warn', 'checkpoint failed').length === 0; i++) await sleep(5);
      const [record] = logger.at('warn', 'checkpoint failed');
      assert.ok(record, 'a failed checkpoint is logged');
      assert.deepEqual([record['app'], record['host'], record['pid']], ['app', 'h1', 't2']);
    } finally {
      await host.stop({ swapOut: false });
      await transport.close();
    }
  });
});

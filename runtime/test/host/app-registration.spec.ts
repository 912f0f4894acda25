import assert from 'node:assert/strict';
import { MemoryLogger, MemoryRegistry, type AppRecord } from '@praas/framework/internal';
import { registerApp } from '../../src/host/app-registration';

/** A registry where another writer changes the application record right before the first write. */
class RacingRegistry extends MemoryRegistry {
  raced = false;
  override async updateApp(record: AppRecord, revision: number): Promise<number | undefined> {
    if (!this.raced) {
      this.raced = true;
      await this.putApp({ name: record.name, incarnation: 'theirs', createdAt: 2, processClasses: [] });
    }
    return super.updateApp(record, revision);
  }
}

describe('registerApp', function () {
  const options = (registry: MemoryRegistry, logger = new MemoryLogger(), lines: string[] = []) => ({
    app: 'tally',
    hostId: 'h1',
    registry,
    processClasses: ['Counter', 'Audit'],
    functions: { Counter: ['add'], Audit: [] },
    logger,
    log: (line: string) => lines.push(line),
  });

  it('creates a missing application with the classes, sorted, marked as created by the host', async function () {
    const registry = new MemoryRegistry();
    const logger = new MemoryLogger();
    const lines: string[] = [];
    assert.equal(await registerApp(options(registry, logger, lines)), 'created');
    const app = await registry.getApp('tally');
    assert.deepEqual(
      [app?.processClasses, app?.functions, app?.createdByHost],
      [['Audit', 'Counter'], { Counter: ['add'], Audit: [] }, 'h1'],
    );
    assert.deepEqual(lines, ['praas host h1 created application tally: Audit, Counter']);
    assert.deepEqual(
      logger.at('info').map((r) => r.msg),
      ['created the application'],
    );
    await registry.close();
  });

  it('leaves an application with classes or a deployed version as it is', async function () {
    const registry = new MemoryRegistry();
    await registry.putApp({ name: 'tally', incarnation: 'i1', createdAt: 1, processClasses: [], version: 1 });
    assert.equal(await registerApp(options(registry)), 'kept');
    assert.deepEqual((await registry.getApp('tally'))?.processClasses, []);
    await registry.close();
  });

  it('looks again when another writer changed the record first', async function () {
    const registry = new RacingRegistry();
    assert.equal(await registerApp(options(registry)), 'registered');
    const app = await registry.getApp('tally');
    assert.deepEqual([app?.incarnation, app?.processClasses], ['theirs', ['Audit', 'Counter']]);
    await registry.close();
  });
});

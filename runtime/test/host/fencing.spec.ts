import assert from 'node:assert/strict';
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

import assert from 'node:assert/strict';
import { FsSwapStore } from '../../src';
import { startTestHost, type TestHost } from '../fixtures';

/** A store that fails every read and listing while `failing` is set, and counts its listings. */
class FailingStore extends FsSwapStore {
  failing = false;
  lists = 0;
  override list(prefix: string): Promise<string[]> {
    this.lists++;
    return this.failing ? Promise.reject(new Error('store unavailable')) : super.list(prefix);
  }
  override get(key: string): Promise<Uint8Array | undefined> {
    return this.failing ? Promise.reject(new Error('store unavailable')) : super.get(key);
  }
}

describe('ProcessLifecycle', function () {
  let t: TestHost;
  let store: FailingStore;

  beforeEach(async function () {
    t = await startTestHost({ store: (dir) => (store = new FailingStore(dir)) });
  });
  afterEach(() => t.close());

  it('removes the record of a process that failed to start, so the pid can be created again', async function () {
    store.failing = true;
    await assert.rejects(t.host.create('p', 'Worker'), /store unavailable/);
    assert.equal(await t.registry.getProcess('test', 'p'), undefined);
    assert.equal(t.host.local('p'), undefined);
    store.failing = false;
    assert.equal((await t.host.create('p', 'Worker')).status, 'active');
  });

  it('gives a process that failed to swap in back as it was, so a later activation swaps it in', async function () {
    await t.host.create('p', 'Worker');
    await t.invoke('p', 'inc', 5);
    await t.host.swapOut('p');
    const swapped = await t.registry.getProcess('test', 'p');
    store.failing = true;
    await assert.rejects(t.host.activate('p'), /store unavailable/);
    const after = await t.registry.getProcess('test', 'p');
    assert.deepEqual(
      [after?.status, after?.host, after?.generation],
      [swapped?.status, swapped?.host, swapped?.generation],
    );
    store.failing = false;
    assert.equal((await t.host.activate('p')).status, 'active');
    assert.equal(await t.invoke('p', 'inc', 1), 6);
  });

  it('answers a swap of a process held elsewhere with the registry’s record, and refuses unknown pids', async function () {
    await t.host.create('p', 'Worker');
    await t.host.swapOut('p');
    assert.equal((await t.host.swapOut('p')).status, 'swapped');
    await assert.rejects(t.host.swapOut('none'), { code: 'PROCESS_NOT_FOUND' });
    await assert.rejects(t.host.checkpoint('p'), { code: 'PROCESS_NOT_FOUND' });
    await assert.rejects(t.host.delete('none'), { code: 'PROCESS_NOT_FOUND' });
  });

  it('lists no snapshots for a generated pid, nor for a swap-out and swap-in; a named pid drops its predecessor’s', async function () {
    await t.host.create('named', 'Worker');
    assert.equal(store.lists, 1, 'a named pid may have had a deleted predecessor');
    store.lists = 0;
    await t.host.create('worker-0123456789abcdef', 'Worker', { generated: true });
    await t.invoke('worker-0123456789abcdef', 'inc', 5);
    await t.host.swapOut('worker-0123456789abcdef');
    assert.equal((await t.host.activate('worker-0123456789abcdef')).status, 'active');
    assert.equal(await t.invoke('worker-0123456789abcdef', 'inc', 1), 6);
    assert.equal(store.lists, 0);
  });
});

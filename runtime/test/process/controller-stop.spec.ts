import assert from 'node:assert/strict';
import { FsSwapStore } from '../../src';
import { GatedSwapStore } from '../../src/testing';
import { startTestHost, type TestHost } from '../fixtures';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ProcessController.stop (a host stopping without swap-out)', () => {
  let t: TestHost;
  let store: GatedSwapStore;
  beforeEach(async () => {
    t = await startTestHost({ store: (dir) => (store = new GatedSwapStore(new FsSwapStore(dir))) });
    await t.host.create('w1', 'Worker');
    await t.invoke('w1', 'inc', 1);
  });
  afterEach(async () => {
    store.releaseAll();
    await t.close();
  });

  it('returns only once a checkpoint being written has finished, so nothing is written after it', async () => {
    const writes = store.hold('put');
    let checkpointSettled = false;
    const checkpoint = t.host
      .local('w1')!
      .checkpoint()
      .finally(() => (checkpointSettled = true));
    await writes.reached;
    let stopped = false;
    const stop = t.host.stop({ swapOut: false }).then(() => (stopped = true));
    await sleep(50);
    assert.equal(stopped, false, 'the stop waits for the checkpoint that is writing');
    writes.release();
    await stop;
    assert.equal(checkpointSettled, true, 'the checkpoint had finished when the stop returned');
    await Promise.allSettled([checkpoint]);
  });
});

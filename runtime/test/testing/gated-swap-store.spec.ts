import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsSwapStore } from '../../src';
import { GatedSwapStore } from '../../src/testing';

describe('GatedSwapStore', () => {
  let dir: string;
  let store: GatedSwapStore;
  const bytes = (s: string): Uint8Array => Buffer.from(s);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'praas-gated-'));
    store = new GatedSwapStore(new FsSwapStore(dir));
  });
  afterEach(async () => {
    store.releaseAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds every write until released, then writes them', async () => {
    const writes = store.hold('put');
    let done = 0;
    const first = store.put('a', bytes('1')).then(() => done++);
    await writes.reached;
    const second = store.put('b', bytes('2')).then(() => done++);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(done, 0);
    writes.release();
    await Promise.all([first, second]);
    assert.deepEqual(await store.list(''), ['a', 'b']);
  });

  it('with once and fail, fails only the next write, and writes the ones after it', async () => {
    const stall = store.hold('put', { once: true, fail: true });
    const held = store.put('a', bytes('1'));
    await stall.reached;
    await store.put('b', bytes('2'));
    stall.release();
    await assert.rejects(held, /store unavailable/);
    assert.deepEqual(await store.list(''), ['b']);
  });

  it('holds reads apart from writes', async () => {
    await store.put('a', bytes('1'));
    const reads = store.hold('get');
    const read = store.get('a');
    await reads.reached;
    await store.put('b', bytes('2'));
    reads.release();
    assert.equal(Buffer.from((await read)!).toString(), '1');
  });
});

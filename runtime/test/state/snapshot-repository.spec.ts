import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkKey, MemoryLogger, SnapshotCorruptError } from '@praas/framework';
import { FsSwapStore, SNAPSHOT_FORMAT, SnapshotRepository, type SwapStore } from '../../src';

/** A store with only the required methods, so the repository takes its `get` path. */
function withoutReadInto(inner: SwapStore): SwapStore {
  return {
    put: (k, d) => inner.put(k, d),
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    describe: () => inner.describe(),
  };
}

describe('SnapshotRepository', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'praas-repo-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const meta = { format: SNAPSHOT_FORMAT, app: 'a', pid: 'p', processClass: 'C', generation: 1, createdAt: 0 };

  it('reads through get when the store cannot read into a buffer, and still checks every chunk', async () => {
    const store = withoutReadInto(new FsSwapStore(dir));
    const repo = new SnapshotRepository(store, { chunkBytes: 100 });
    const parts = [randomBytes(3), randomBytes(250)];
    const manifest = await repo.commit(meta, parts);
    assert.deepEqual(Buffer.from(await repo.read(manifest)), Buffer.concat(parts));
    await store.put(chunkKey('a', 'p', 1, 1), randomBytes(99));
    await assert.rejects(repo.read(manifest), (e: Error) => {
      assert.ok(e instanceof SnapshotCorruptError);
      assert.match(e.message, /chunk-0001' has 99 bytes, the manifest says 100/);
      return true;
    });
  });

  it('rejects a manifest whose chunk sizes do not add up to its total', async () => {
    const repo = new SnapshotRepository(new FsSwapStore(dir), { chunkBytes: 100 });
    const manifest = await repo.commit(meta, [randomBytes(150)]);
    await assert.rejects(repo.read({ ...manifest, totalBytes: 151 }), /manifest.*150 bytes in all but says 151/);
  });

  it('logs a failed clean-up of old generations and keeps the commit', async () => {
    const inner = new FsSwapStore(dir);
    let failDeletes = false;
    const store: SwapStore = {
      ...withoutReadInto(inner),
      delete: (keys) => (failDeletes ? Promise.reject(new Error('delete refused')) : inner.delete(keys)),
    };
    const logger = new MemoryLogger();
    const repo = new SnapshotRepository(store, { logger });
    await repo.commit(meta, [randomBytes(10)]);
    failDeletes = true;
    const manifest = await repo.commit({ ...meta, generation: 2 }, [randomBytes(10)]);
    assert.equal((await repo.latestManifest('a', 'p'))?.generation, manifest.generation);
    const [warning] = logger.at('warn', 'cannot remove old snapshot generations');
    assert.deepEqual([warning?.['pid'], warning?.['generation']], ['p', 2]);
  });
});

describe('SnapshotRepository.readLatest', () => {
  it('reads the newer generation when the one it started with is collected under it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'praas-read-latest-'));
    try {
      const store = new FsSwapStore(dir);
      const repo = new SnapshotRepository(store, { chunkBytes: 16 });
      const meta = (generation: number) => ({
        format: SNAPSHOT_FORMAT,
        app: 'a',
        pid: 'p',
        processClass: 'C',
        generation,
        createdAt: 0,
      });
      await repo.commit(meta(1), [Buffer.alloc(40, 1)]);
      // A reader that listed generation 1, then the writer committed 2 and collected 1.
      const stale = (await repo.latestManifest('a', 'p'))!;
      const original = repo.latestManifest.bind(repo);
      let calls = 0;
      repo.latestManifest = async (app: string, pid: string) => (calls++ === 0 ? stale : original(app, pid));
      await repo.commit(meta(2), [Buffer.alloc(40, 2)]);
      const latest = await repo.readLatest('a', 'p');
      assert.equal(latest?.manifest.generation, 2);
      assert.deepEqual(Buffer.from(latest.bytes), Buffer.alloc(40, 2));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

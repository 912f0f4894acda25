import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkKey, MemoryLogger, SnapshotCorruptError } from '@praas/framework/internal';
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

/** The metadata of generation `generation` of process `a/p`. */
const metaAt = (generation: number) => ({
  format: SNAPSHOT_FORMAT,
  app: 'a',
  pid: 'p',
  processClass: 'C',
  generation,
  createdAt: 0,
});

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
      const meta = metaAt;
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

/** A file-system store that counts its listings: the request some object stores make costly. */
class CountingStore extends FsSwapStore {
  lists = 0;
  override list(prefix: string): Promise<string[]> {
    this.lists++;
    return super.list(prefix);
  }
}

describe('SnapshotRepository without listings', () => {
  let dir: string;
  let store: CountingStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'praas-repo-keys-'));
    store = new CountingStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const meta = metaAt;

  it('writes a small snapshot into its manifest, one object, and reads it back checked', async () => {
    const repo = new SnapshotRepository(store, { inlineBytes: 1024 });
    const parts = [randomBytes(10), randomBytes(500)];
    const manifest = await repo.commit(meta(1), parts);
    assert.deepEqual(await store.list('a/p/'), ['a/p/000000000001/manifest']);
    assert.equal(manifest.chunks.length, 0);
    const latest = await repo.readLatest('a', 'p');
    assert.deepEqual(Buffer.from(latest!.bytes), Buffer.concat(parts));
    const tampered = { ...manifest, inline: { ...manifest.inline!, bytes: randomBytes(510) } };
    await assert.rejects(repo.read(tampered), /manifest' holds bytes that do not match its checksum/);
    // Larger than the inline limit: chunks beside the manifest, as before.
    await repo.commit(meta(2), [randomBytes(1025)]);
    assert.deepEqual(await store.list('a/p/'), ['a/p/000000000002/chunk-0000', 'a/p/000000000002/manifest']);
  });

  it('commits a first generation without listing: nothing lies below it', async () => {
    const repo = new SnapshotRepository(store);
    await repo.commit(meta(1), [randomBytes(10)]);
    assert.equal(store.lists, 0);
    await repo.commit(meta(2), [randomBytes(10)]);
    assert.equal(store.lists, 1, 'a later commit lists to remove the generations below it');
    store.lists = 0;
    assert.deepEqual(await store.list('a/p/'), ['a/p/000000000002/manifest']);
  });

  it('finds the newest snapshot by key from the generation the registry names, without listing', async () => {
    const repo = new SnapshotRepository(store, { chunkBytes: 16 });
    assert.equal(await repo.readLatest('a', 'p', { generation: 0 }), undefined, 'never committed');
    await repo.commit(meta(1), [Buffer.alloc(40, 1)]);
    await repo.commit(meta(2), [Buffer.alloc(40, 2)]);
    store.lists = 0;
    // Exact (a finished swap-out), lagging by one (a crash before the record was written), and
    // a record that names no commit although one was made.
    for (const known of [{ generation: 2, exact: true }, { generation: 1 }, { generation: 0 }]) {
      const latest = await repo.readLatest('a', 'p', known);
      assert.equal(latest?.manifest.generation, 2, JSON.stringify(known));
      assert.deepEqual(Buffer.from(latest.bytes), Buffer.alloc(40, 2));
    }
    assert.equal(store.lists, 0);
  });

  it('lists when the registry and the store disagree, and reads what the store holds', async () => {
    const repo = new SnapshotRepository(store);
    await repo.commit(meta(3), [Buffer.alloc(8, 3)]);
    store.lists = 0;
    // A record naming a generation the store does not have (nor the next): only a listing can tell.
    for (const known of [{ generation: 7 }, { generation: 7, exact: true }, { generation: 1 }]) {
      assert.equal((await repo.readLatest('a', 'p', known))?.manifest.generation, 3, JSON.stringify(known));
    }
    assert.equal(store.lists, 3);
  });
});

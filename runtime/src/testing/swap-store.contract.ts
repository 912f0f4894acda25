import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chunkKey, InvalidArgumentError, manifestKey, SnapshotCorruptError } from '@praas/framework/internal';
import { SNAPSHOT_FORMAT, type SnapshotMeta } from '../state/snapshot';
import { SnapshotRepository } from '../state/snapshot-repository';
import type { SwapStore } from '../storage/swap-store';

export interface SwapStoreContractOptions {
  /** A store with nothing in it (e.g. a fresh directory or bucket). */
  create(): Promise<SwapStore>;
  dispose?(store: SwapStore): Promise<void>;
}

const meta = (app: string, pid: string, generation: number): SnapshotMeta => ({
  format: SNAPSHOT_FORMAT,
  app,
  pid,
  processClass: 'Contract',
  generation,
  createdAt: Date.now(),
});

/**
 * The behaviour every SwapStore must have (DESIGN §6), and the snapshot layout on top of it.
 * Runs unchanged against the file-system and the S3 store.
 */
export function swapStoreContract(name: string, options: SwapStoreContractOptions): void {
  describe(`SwapStore contract: ${name}`, function () {
    this.timeout(60_000);
    let store: SwapStore;
    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      await options.dispose?.(store);
    });

    it('returns exactly the bytes that were put, and undefined for a missing key', async () => {
      const data = randomBytes(100_003);
      await store.put('app/p/000000000001/chunk-0000', data);
      assert.deepEqual(Buffer.from((await store.get('app/p/000000000001/chunk-0000'))!), data);
      assert.equal(await store.get('app/p/000000000001/nothing'), undefined);
    });

    it('reads an object into a caller buffer, counting bytes that do not fit', async function () {
      if (!store.readInto) return this.skip(); // Optional: the repository falls back to get.
      const data = randomBytes(300_001);
      await store.put('app/p/r', data);
      const exact = Buffer.alloc(data.byteLength);
      assert.equal(await store.readInto('app/p/r', exact), data.byteLength);
      assert.deepEqual(exact, data);
      const short = Buffer.alloc(1000);
      assert.equal(await store.readInto('app/p/r', short), data.byteLength);
      assert.deepEqual(short, data.subarray(0, 1000));
      assert.equal(await store.readInto('app/p/none', short), undefined);
    });

    it('stores empty objects and overwrites whole objects', async () => {
      await store.put('app/p/k', new Uint8Array(0));
      assert.equal((await store.get('app/p/k'))!.byteLength, 0);
      await store.put('app/p/k', Buffer.from('longer value'));
      await store.put('app/p/k', Buffer.from('short'));
      assert.equal(Buffer.from((await store.get('app/p/k'))!).toString(), 'short');
    });

    it('lists the keys under a prefix in ascending order, and only those', async () => {
      for (const k of ['a/p1/2/x', 'a/p1/1/y', 'a/p10/1/z', 'a/p2/1/w', 'b/p1/1/v']) await store.put(k, Buffer.from(k));
      assert.deepEqual(await store.list('a/p1/'), ['a/p1/1/y', 'a/p1/2/x']);
      assert.deepEqual(await store.list('a/p1'), ['a/p1/1/y', 'a/p1/2/x', 'a/p10/1/z']);
      assert.deepEqual(await store.list('nothing/'), []);
    });

    it('deletes objects and ignores keys that do not exist', async () => {
      await store.put('d/p/1', Buffer.from('1'));
      await store.put('d/p/2', Buffer.from('2'));
      await store.delete(['d/p/1', 'd/p/missing']);
      assert.deepEqual(await store.list('d/'), ['d/p/2']);
      await store.delete([]);
    });

    it('refuses keys and prefixes that are not relative paths of plain segments, naming them', async () => {
      // '.', '..' and their percent-encoded forms: a server that decodes the path would leave the
      // process's prefix (or the store's root) with them.
      const badKeys = ['', '/abs/k', 'a//k', 'a/./k', 'a/../k', '..', 'a/%2e%2e/k', 'a/%2E/k', 'a/.%2e/k', 'a/%2e./k'];
      const refuses = (key: string) => (e: unknown) =>
        e instanceof InvalidArgumentError && e.message.includes(JSON.stringify(key)) && e.details['key'] === key;
      for (const key of badKeys) {
        await assert.rejects(store.put(key, Buffer.from('x')), refuses(key), `put ${JSON.stringify(key)}`);
        await assert.rejects(store.get(key), refuses(key), `get ${JSON.stringify(key)}`);
        if (store.readInto) await assert.rejects(store.readInto(key, Buffer.alloc(1)), refuses(key));
        await assert.rejects(store.delete(['ok/k', key]), refuses(key), `delete ${JSON.stringify(key)}`);
      }
      for (const prefix of ['/abs/', 'a//', '../', 'a/../', 'a/%2e%2e/', 'a/%2E./']) {
        await assert.rejects(store.list(prefix), refuses(prefix), `list ${JSON.stringify(prefix)}`);
      }
      // Dots inside a segment are plain names; a partial last segment of a prefix is not a path.
      await store.put('a/v1.2/..k', Buffer.from('dots'));
      assert.deepEqual(await store.list('a/v1.'), ['a/v1.2/..k']);
      assert.deepEqual(await store.list(''), ['a/v1.2/..k']);
      assert.equal(Buffer.from((await store.get('a/v1.2/..k'))!).toString(), 'dots');
    });

    describe('snapshots on the store', function () {
      it('commits chunks and a manifest, and reads the newest generation back', async () => {
        const repo = new SnapshotRepository(store, { chunkBytes: 1000 });
        const parts = [randomBytes(10), randomBytes(2500), randomBytes(7)];
        const manifest = await repo.commit(meta('app', 'p1', 1), parts);
        assert.equal(manifest.chunks.length, 3);
        assert.equal(manifest.totalBytes, 2517);
        const latest = await repo.latestManifest('app', 'p1');
        assert.equal(latest?.generation, 1);
        assert.deepEqual(Buffer.from(await repo.read(latest)), Buffer.concat(parts));
      });

      it('removes older generations after a commit, and ignores uncommitted ones', async () => {
        const repo = new SnapshotRepository(store, { chunkBytes: 64 });
        await repo.commit(meta('app', 'p1', 1), [randomBytes(200)]);
        const second = randomBytes(150);
        await repo.commit(meta('app', 'p1', 2), [second]);
        // A failed attempt: chunks without a manifest are never read back.
        await store.put(chunkKey('app', 'p1', 3, 0), randomBytes(10));
        const keys = await store.list('app/p1/');
        assert.ok(
          keys.every((k) => !k.includes('/000000000001/')),
          `generation 1 should be gone: ${keys.join(', ')}`,
        );
        const latest = await repo.latestManifest('app', 'p1');
        assert.equal(latest?.generation, 2);
        assert.deepEqual(Buffer.from(await repo.read(latest)), second);
        assert.equal(await repo.latestGeneration('app', 'p1'), 2);
      });

      it('names the object when a chunk is missing or corrupt', async () => {
        const repo = new SnapshotRepository(store, { chunkBytes: 100 });
        const manifest = await repo.commit(meta('app', 'p2', 1), [randomBytes(250)]);
        await store.put(chunkKey('app', 'p2', 1, 1), randomBytes(100));
        await assert.rejects(repo.read(manifest), (e: Error) => {
          assert.ok(e instanceof SnapshotCorruptError);
          assert.match(e.message, /app\/p2\/000000000001\/chunk-0001.*checksum/);
          return true;
        });
        await store.delete([chunkKey('app', 'p2', 1, 2)]);
        await assert.rejects(repo.read(manifest), /chunk-000[12]/);
      });

      it('reports a manifest that is not one', async () => {
        const repo = new SnapshotRepository(store);
        await store.put(manifestKey('app', 'p3', 1), Buffer.from('not msgpack at all, just text'));
        await assert.rejects(repo.latestManifest('app', 'p3'), SnapshotCorruptError);
      });

      it('deletes every snapshot of a process and nothing of another', async () => {
        const repo = new SnapshotRepository(store, { chunkBytes: 64 });
        await repo.commit(meta('app', 'p4', 1), [randomBytes(100)]);
        await repo.commit(meta('app', 'p5', 1), [randomBytes(100)]);
        await repo.deleteAll('app', 'p4');
        assert.equal(await repo.latestManifest('app', 'p4'), undefined);
        assert.equal((await repo.latestManifest('app', 'p5'))?.generation, 1);
      });
    });
  });
}

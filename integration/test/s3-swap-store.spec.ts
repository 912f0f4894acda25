import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { S3SwapStore, SNAPSHOT_FORMAT, SnapshotRepository } from '@praas/runtime';
import { swapStoreContract } from '@praas/runtime/testing';
import { freshStore, removeStore, startS3, type S3Service } from '../src';
import { SigV4Client } from './support/sigv4-client';

describe('S3SwapStore', function () {
  this.timeout(120_000);
  let s3: S3Service;
  before(async () => {
    s3 = await startS3();
  });
  after(async () => {
    await s3?.stop();
  });

  swapStoreContract('S3SwapStore', {
    create: async () => freshStore(s3, 'contract'),
    dispose: (store) => removeStore(s3, store as S3SwapStore),
  });

  describe('objects as another S3 client sees them', () => {
    let store: S3SwapStore;
    let other: SigV4Client;
    beforeEach(() => {
      store = freshStore(s3, 'interop');
      other = new SigV4Client(s3.endpoint, s3.accessKey, s3.secretKey);
    });
    afterEach(async () => {
      await removeStore(s3, store);
    });

    it('writes snapshot chunks and manifests that a hand-signed SigV4 client lists and reads byte for byte', async () => {
      const repo = new SnapshotRepository(store, { chunkBytes: 64 * 1024 });
      const state = randomBytes(200_000);
      const manifest = await repo.commit(
        { format: SNAPSHOT_FORMAT, app: 'interop', pid: 'p1', processClass: 'C', generation: 1, createdAt: Date.now() },
        [state],
      );
      const { keys } = await other.listAll(store.bucket, 'interop/p1/');
      assert.deepEqual(keys, [...manifest.chunks.map((c) => c.key), 'interop/p1/000000000001/manifest']);
      const chunks = await Promise.all(manifest.chunks.map((c) => other.getObject(store.bucket, c.key)));
      assert.deepEqual(Buffer.concat(chunks.map((c) => c!)), state);
      assert.deepEqual(
        await other.getObject(store.bucket, 'interop/p1/000000000001/manifest'),
        Buffer.from((await store.get('interop/p1/000000000001/manifest'))!),
      );
    });

    it('lists more than 1,000 keys, the same through the store and through the other client', async () => {
      const keys = Array.from({ length: 1_050 }, (_, i) => `many/p/${String(i).padStart(5, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from(k))));
      }
      const listed = await store.list('many/');
      assert.equal(listed.length, 1_050);
      assert.deepEqual(listed, keys);
      const seen = await other.listAll(store.bucket, 'many/');
      assert.ok(seen.pages >= 2, `expected several pages, got ${seen.pages}`);
      assert.deepEqual(seen.keys.sort(), keys);
      assert.equal((await other.getObject(store.bucket, keys[1_049]!))!.toString(), keys[1_049]);
      await store.delete(listed);
      assert.deepEqual(await store.list('many/'), []);
    });
  });

  describe('an endpoint that does not answer', () => {
    it('fails with UnavailableError naming the endpoint and the bucket', async () => {
      // Port 1 on loopback: nobody listens there.
      const store = new S3SwapStore({
        endpoint: 'http://127.0.0.1:1',
        accessKey: 'k',
        secretKey: 's',
        bucket: 'nowhere',
      });
      try {
        await assert.rejects(store.put('a/b/c', Buffer.from('x')), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'UNAVAILABLE');
          assert.match(e.message, /http:\/\/127\.0\.0\.1:1 \(bucket 'nowhere'\) is unreachable.*ECONNREFUSED/);
          return true;
        });
      } finally {
        store.close();
      }
    });

    it('fails with SwapFailedError when the server refuses the credentials', async function () {
      if (s3.kind === 'external') return this.skip(); // An external endpoint may accept anonymous or any keys.
      const store = new S3SwapStore({
        endpoint: s3.endpoint,
        accessKey: 'wrong',
        secretKey: 'wrong',
        bucket: 'refused',
      });
      try {
        await assert.rejects(store.list(''), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'SWAP_FAILED');
          assert.match(e.message, /bucket 'refused'/);
          assert.ok(e.message.includes(s3.endpoint), e.message);
          return true;
        });
      } finally {
        store.close();
      }
    });
  });
});

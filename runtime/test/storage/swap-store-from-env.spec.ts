import assert from 'node:assert/strict';
import { InvalidArgumentError } from '@praas/framework/internal';
import { FsSwapStore, S3SwapStore, swapStoreFromEnv } from '../../src';

describe('swapStoreFromEnv', () => {
  const keys = (endpoint: string) => ({
    PRAAS_S3_ENDPOINT: endpoint,
    PRAAS_S3_ACCESS_KEY: 'key',
    PRAAS_S3_SECRET_KEY: 'secret',
  });

  it('builds an S3 store from PRAAS_S3_*, with the default bucket', () => {
    const store = swapStoreFromEnv({ ...keys('http://127.0.0.1:9000'), PRAAS_SWAP_DIR: '/tmp/ignored' });
    assert.ok(store instanceof S3SwapStore);
    assert.equal(store.describe(), "S3 bucket 'praas' at http://127.0.0.1:9000");
    store.close();
  });

  it('takes the bucket from PRAAS_S3_BUCKET', () => {
    const store = swapStoreFromEnv({ ...keys('https://s3.example.com'), PRAAS_S3_BUCKET: 'swap-space' });
    assert.equal(store.describe(), "S3 bucket 'swap-space' at https://s3.example.com:443");
    (store as S3SwapStore).close();
  });

  it('falls back to a directory store on PRAAS_SWAP_DIR', () => {
    const store = swapStoreFromEnv({ PRAAS_SWAP_DIR: '/tmp/praas-swap' });
    assert.ok(store instanceof FsSwapStore);
    assert.equal(store.root, '/tmp/praas-swap');
  });

  it('says what is missing', () => {
    assert.throws(
      () => swapStoreFromEnv({}),
      (e: Error) => e instanceof InvalidArgumentError && /PRAAS_SWAP_DIR/.test(e.message),
    );
    assert.throws(
      () => swapStoreFromEnv({ PRAAS_S3_ENDPOINT: 'http://127.0.0.1:9000' }),
      /PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY/,
    );
  });

  it('rejects endpoints and buckets S3 cannot use', () => {
    const base = { accessKey: 'k', secretKey: 's', bucket: 'ok-bucket' };
    assert.throws(() => new S3SwapStore({ ...base, endpoint: 'not a url' }), /is not a URL/);
    assert.throws(() => new S3SwapStore({ ...base, endpoint: 'ftp://host' }), /must use http: or https:/);
    assert.throws(() => new S3SwapStore({ ...base, endpoint: 'http://host:9000/bucket' }), /must not have a path/);
    assert.throws(() => new S3SwapStore({ ...base, endpoint: 'http://host', bucket: 'Bad_Bucket' }), /bucket name/);
    assert.throws(() => new S3SwapStore({ ...base }), /needs an endpoint/);
  });
});

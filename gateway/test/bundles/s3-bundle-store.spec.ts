import assert from 'node:assert/strict';
import { InvalidArgumentError } from '@praas/framework';
import { S3BundleStore } from '../../src/bundles/s3-bundle-store';

describe('S3BundleStore: its endpoint', () => {
  const base = { accessKey: 'a', secretKey: 's', bucket: 'bundles' };

  it('rejects an endpoint with a path, as the swap store does, instead of dropping the path', () => {
    assert.throws(
      () => new S3BundleStore({ ...base, endpoint: 'http://127.0.0.1:9000/bundles' }),
      (e: Error) => e instanceof InvalidArgumentError && /must not have a path/.test(e.message),
    );
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    assert.throws(() => new S3BundleStore({ ...base, endpoint: 'minio:9000' }), InvalidArgumentError);
    assert.throws(() => new S3BundleStore({ ...base, endpoint: 'nope' }), /is not a URL/);
  });
});

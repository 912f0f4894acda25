import assert from 'node:assert/strict';
import { InvalidArgumentError } from '@praas/framework/internal';
import { S3SwapStore, type S3SwapStoreOptions } from '../../src';

const base: S3SwapStoreOptions = { endpoint: 'http://127.0.0.1:9000', accessKey: 'k', secretKey: 's', bucket: 'praas' };

describe('S3SwapStore options', () => {
  it('refuses retry settings that cannot work, naming the setting', () => {
    const cases: [S3SwapStoreOptions['retry'], RegExp][] = [
      [{ attempts: 0 }, /retry\.attempts must be a whole number of at least 1, got 0/],
      [{ attempts: 2.5 }, /retry\.attempts .* got 2\.5/],
      [{ baseDelayMs: -1 }, /retry\.baseDelayMs must be a number of at least 0, got -1/],
      [{ maxDelayMs: Number.NaN }, /retry\.maxDelayMs .* got NaN/],
    ];
    for (const [retry, message] of cases) {
      assert.throws(
        () => new S3SwapStore({ ...base, retry }),
        (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message),
      );
    }
    new S3SwapStore({ ...base, retry: { attempts: 1, baseDelayMs: 0 } }).close();
  });
});

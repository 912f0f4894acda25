import { randomBytes } from 'node:crypto';
import { Client } from 'minio';
import { S3SwapStore } from '@praas/runtime';
import type { S3Service } from '@praas/test-services';

/** A bucket name no other test uses. */
export function freshBucket(label: string): string {
  return `praas-${label}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 63);
}

/** An S3SwapStore on `bucket` of `s3` (through `endpoint` instead, e.g. a proxy, when given). */
export function bucketStore(s3: S3Service, bucket: string, options: { endpoint?: string } = {}): S3SwapStore {
  return new S3SwapStore({
    endpoint: options.endpoint ?? s3.endpoint,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    bucket,
    requestTimeoutMs: 10_000,
  });
}

/** An S3SwapStore on a fresh bucket of `s3`. */
export function freshStore(s3: S3Service, label: string, options: { endpoint?: string } = {}): S3SwapStore {
  return bucketStore(s3, freshBucket(label), options);
}

/** Removes every object the store holds and its bucket, and closes its connections. */
export async function removeStore(s3: S3Service, store: S3SwapStore): Promise<void> {
  try {
    await store.delete(await store.list(''));
    await s3Client(s3).removeBucket(store.bucket);
  } finally {
    store.close();
  }
}

/**
 * A suite's last step with S3: empties and removes the bucket behind `store` (a failure is
 * reported as a warning naming `suite`: the bucket outlives the run, the suite's verdict stands),
 * then stops `s3`.
 */
export async function stopS3(s3: S3Service | undefined, store: S3SwapStore | undefined, suite: string): Promise<void> {
  if (!s3) return;
  if (store)
    await removeStore(s3, store).catch((e: unknown) => console.warn(`${suite}: could not empty the test bucket:`, e));
  await s3.stop();
}

/** A minio client of `s3`, for looking at or tidying up objects behind a store's back. */
export function s3Client(s3: S3Service): Client {
  const url = new URL(s3.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: 'us-east-1',
  });
}

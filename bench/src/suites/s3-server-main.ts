/**
 * Peer entry (see `startPeer`): starts an S3 endpoint with integration's `startS3`, reports it to
 * the parent, and stops it on SIGTERM or when the parent goes away. Keeps the server's CPU and
 * memory out of the benchmark's own measurements.
 */
import { startS3 } from '@praas/integration';
import { runPeer } from '../baselines/peer-process';
import type { S3Endpoint } from './s3-child';

runPeer<S3Endpoint>('S3 server', async () => {
  const s3 = await startS3();
  return {
    ready: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, kind: s3.kind },
    stop: () => s3.stop(),
  };
});

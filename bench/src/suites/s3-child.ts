import { join } from 'node:path';
import type { S3Service } from '@praas/integration';
import { startPeer } from '../baselines/peer-process';

/** What the S3 server peer reports when ready: the endpoint without its stop function. */
export type S3Endpoint = Omit<S3Service, 'stop'>;

/**
 * Starts an S3 endpoint (integration's `startS3`: PRAAS_S3_ENDPOINT, MinIO, or s3rver) in a child
 * Node.js process, like a real object store running beside the runtime host.
 */
export async function startS3InChild(): Promise<S3Service> {
  // s3rver lists more than 1,000 keys only with the legacy OpenSSL provider (see test-services' s3.ts).
  const peer = await startPeer<S3Endpoint>('S3 server', join(__dirname, 's3-server-main.js'), [], {
    execArgv: ['--openssl-legacy-provider'],
  });
  return { ...peer.ready, stop: () => peer.stop() };
}

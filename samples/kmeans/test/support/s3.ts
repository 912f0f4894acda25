import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** An S3 endpoint for a test, and how to stop it. */
export interface TestS3 {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  stop(): Promise<void>;
}

/**
 * The endpoint in PRAAS_S3_ENDPOINT (with PRAAS_S3_ACCESS_KEY / PRAAS_S3_SECRET_KEY) when set,
 * else s3rver in this process on a free loopback port with a temporary directory (DESIGN §9).
 */
export async function startTestS3(): Promise<TestS3> {
  const endpoint = process.env['PRAAS_S3_ENDPOINT'];
  if (endpoint) {
    const accessKey = process.env['PRAAS_S3_ACCESS_KEY'];
    const secretKey = process.env['PRAAS_S3_SECRET_KEY'];
    if (!accessKey || !secretKey)
      throw new Error('PRAAS_S3_ENDPOINT is set: set PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY too');
    return { endpoint, accessKey, secretKey, stop: async () => {} };
  }
  const directory = await mkdtemp(join(tmpdir(), 'praas-sample-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    stop: async () => {
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

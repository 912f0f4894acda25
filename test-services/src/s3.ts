import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { dockerAvailable } from './docker-available';
import { s3rverAtomicPuts } from './s3rver-atomic-puts';

/** An S3 endpoint for tests and benchmarks, with the credentials to use it. */
export interface S3Service {
  /** URL of the endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** The bucket to use when the environment names one (PRAAS_S3_BUCKET); tests may create their own. */
  readonly bucket?: string;
  /** What serves it: an endpoint from the environment, a MinIO container, or s3rver in this process. */
  readonly kind: 'external' | 'minio-container' | 's3rver';
  /** Stops what `startS3` started and removes its files; leaves an external endpoint alone. */
  stop(): Promise<void>;
}

/** Credentials s3rver accepts. */
const S3RVER_CREDENTIALS = 'S3RVER';
/** Pinned so that runs are repeatable; PRAAS_MINIO_IMAGE overrides it. */
const MINIO_IMAGE = 'minio/minio:RELEASE.2024-08-29T01-40-52Z';

/**
 * Provides an S3 endpoint (DESIGN §9), in this order:
 * 1. `PRAAS_S3_ENDPOINT` (with `PRAAS_S3_ACCESS_KEY`, `PRAAS_S3_SECRET_KEY`, optional `PRAAS_S3_BUCKET`);
 * 2. MinIO in a container via testcontainers, when a Docker engine answers (probed in about a second);
 * 3. s3rver in this process on a free loopback port, with a temporary directory.
 * Listing more than 1,000 keys from s3rver needs node's `--openssl-legacy-provider`.
 * @example
 * ```ts
 * const s3 = await startS3();
 * const store = new S3SwapStore({ ...s3, bucket: 'test-bucket' });
 * await s3.stop();
 * ```
 */
export async function startS3(): Promise<S3Service> {
  const endpoint = process.env['PRAAS_S3_ENDPOINT'];
  if (endpoint) {
    const accessKey = process.env['PRAAS_S3_ACCESS_KEY'];
    const secretKey = process.env['PRAAS_S3_SECRET_KEY'];
    if (!accessKey || !secretKey) {
      throw new Error(`PRAAS_S3_ENDPOINT is ${endpoint}: set PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY as well`);
    }
    const bucket = process.env['PRAAS_S3_BUCKET'];
    return { endpoint, accessKey, secretKey, ...(bucket ? { bucket } : {}), kind: 'external', stop: async () => {} };
  }
  if (await dockerAvailable()) return startMinioContainer();
  return startS3rver();
}

async function startMinioContainer(): Promise<S3Service> {
  // Loaded only here: testcontainers does work at import that a machine without Docker does not need.
  const { MinioContainer } = await import('@testcontainers/minio');
  const container = await new MinioContainer(process.env['PRAAS_MINIO_IMAGE'] ?? MINIO_IMAGE).start();
  return {
    endpoint: container.getConnectionUrl(),
    accessKey: container.getUsername(),
    secretKey: container.getPassword(),
    kind: 'minio-container',
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * s3rver on 127.0.0.1 and a port the system picks, storing into a fresh temporary directory, with
 * S3's atomic PUT (see `s3rverAtomicPuts`).
 */
export async function startS3rver(): Promise<S3Service> {
  s3rverAtomicPuts();
  const directory = await mkdtemp(join(tmpdir(), 'praas-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  let address;
  try {
    address = await server.run();
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKey: S3RVER_CREDENTIALS,
    secretKey: S3RVER_CREDENTIALS,
    kind: 's3rver',
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

import { Client } from 'minio';
import {
  s3ClientSettings,
  s3ConfigFromEnv,
  silentLogger,
  UnavailableError,
  type Logger,
} from '@praas/framework/internal';
import type { BundleStore } from './bundle-store';

export interface S3BundleStoreOptions {
  /** The endpoint as a URL, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Created on first use when missing. */
  readonly bucket: string;
  readonly region?: string;
  /** Where the store says what it did to the bucket, e.g. created it (default: nowhere). */
  readonly logger?: Logger;
}

/** Code bundles in S3 or MinIO, through the `minio` client, path-style, one PUT per bundle. */
export class S3BundleStore implements BundleStore {
  private readonly client: Client;
  private bucketReady: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: S3BundleStoreOptions) {
    this.logger = options.logger ?? silentLogger;
    this.client = new Client({
      ...s3ClientSettings(options),
      // Bundles are far below the single-PUT limit; never switch to multipart (not every S3 server has it).
      partSize: 5 * 1024 * 1024 * 1024,
    });
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    try {
      await this.ensureBucket();
      await this.client.putObject(
        this.options.bucket,
        key,
        Buffer.from(data.buffer, data.byteOffset, data.byteLength),
        data.byteLength,
      );
    } catch (cause) {
      throw new UnavailableError(
        `cannot store ${key} in ${this.describe()}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause, details: { key } },
      );
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    try {
      await this.ensureBucket();
      const keys: string[] = [];
      for await (const item of this.client.listObjectsV2(this.options.bucket, prefix, true) as AsyncIterable<{
        name?: string;
      }>) {
        if (item.name !== undefined) keys.push(item.name);
      }
      // One DELETE per key: an application has few bundles, and not every S3 server does multi-object deletes well.
      for (const key of keys) await this.client.removeObject(this.options.bucket, key);
      this.logger.debug('deleted code bundles', { prefix, bundles: keys.length, store: this.describe() });
    } catch (cause) {
      throw new UnavailableError(
        `cannot delete the code bundles under ${prefix} in ${this.describe()}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause, details: { prefix } },
      );
    }
  }

  describe(): string {
    return `s3 ${this.options.endpoint}/${this.options.bucket}`;
  }

  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      if (await this.client.bucketExists(this.options.bucket)) return;
      try {
        await this.client.makeBucket(this.options.bucket, this.options.region ?? 'us-east-1');
        this.logger.info('created the bucket for code bundles', { store: this.describe() });
      } catch (e) {
        // A host may have created it in between.
        if (!(await this.client.bucketExists(this.options.bucket))) throw e;
      }
    })().catch((e: unknown) => {
      this.bucketReady = undefined;
      throw e;
    });
    return this.bucketReady;
  }
}

/**
 * The bundle store configured through PRAAS_S3_ENDPOINT, PRAAS_S3_ACCESS_KEY, PRAAS_S3_SECRET_KEY,
 * PRAAS_S3_BUCKET (default `praas`) and PRAAS_S3_REGION, the variables the runtime hosts read;
 * undefined without an endpoint (the gateway then refuses deployments). The store logs to `logger`.
 * @throws InvalidArgumentError when the endpoint is set without both keys.
 */
export function bundleStoreFromEnv(env: NodeJS.ProcessEnv, logger: Logger = silentLogger): S3BundleStore | undefined {
  const config = s3ConfigFromEnv(env);
  return config && new S3BundleStore({ ...config, logger });
}

import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';

/** Where a stateless variant keeps its objects. */
export interface S3BucketOptions {
  /** The endpoint as a URL, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Created on first use when missing. */
  readonly bucket: string;
  /** Signing region (default `us-east-1`). */
  readonly region?: string;
}

/** A bucket reached with the minio client: whole-object reads and writes, nothing more. */
export class S3Bucket {
  readonly name: string;
  private readonly client: Client;
  private readonly agent: http.Agent;
  private ready: Promise<void> | undefined;

  constructor(options: S3BucketOptions) {
    const url = new URL(options.endpoint);
    const useSSL = url.protocol === 'https:';
    this.agent = useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.name = options.bucket;
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region ?? 'us-east-1',
      pathStyle: true,
      transportAgent: this.agent,
      // Failures surface to the caller, which knows whether retrying makes sense.
      retryOptions: { disableRetry: true },
    });
  }

  /** Writes an object in one PUT (a string as UTF-8). */
  async put(key: string, data: string | Buffer): Promise<void> {
    await this.ensure();
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await this.client.putObject(this.name, key, body, body.byteLength);
  }

  /** The object's bytes, or undefined when it does not exist. */
  async get(key: string): Promise<Buffer | undefined> {
    await this.ensure();
    let stream: Readable;
    try {
      stream = await this.client.getObject(this.name, key);
    } catch (e) {
      if (e instanceof S3Error && (e.code === 'NoSuchKey' || e.code === 'NotFound')) return undefined;
      throw e;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * Deletes objects (missing ones are fine), one DELETE per key, one after another: s3rver races
   * on the directories it tidies up when deletes (or a multi-object delete) run side by side.
   */
  async remove(keys: readonly string[]): Promise<void> {
    await this.ensure();
    for (const key of keys) await this.client.removeObject(this.name, key);
  }

  /** Closes idle connections; the bucket stays usable. */
  close(): void {
    this.agent.destroy();
  }

  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      if (await this.client.bucketExists(this.name)) return;
      try {
        await this.client.makeBucket(this.name);
      } catch (e) {
        if (e instanceof S3Error && (e.code === 'BucketAlreadyOwnedByYou' || e.code === 'BucketAlreadyExists')) return;
        throw e;
      }
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }
}

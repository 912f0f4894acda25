import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';
import {
  InvalidArgumentError,
  JsonLogger,
  PayloadTooLargeError,
  PraasError,
  SwapFailedError,
  UnavailableError,
  type Logger,
} from '@praas/framework/internal';
import { assertKeyPrefix, assertObjectKey } from '../object-key';
import type { SwapStore } from '../swap-store';
import { parseEndpoint } from './s3-endpoint';
import { connectionCode, transientReason } from './s3-failures';
import { S3RetryPolicy, type S3RetryOptions } from './s3-retry';

export type { S3RetryOptions } from './s3-retry';

/** Where an S3SwapStore keeps its objects and how it reaches them. */
export interface S3SwapStoreOptions {
  /** The endpoint as a URL, e.g. `http://127.0.0.1:9000`; alternative to `endPoint`/`port`/`useSSL`. */
  readonly endpoint?: string;
  /** Host name or address of the endpoint (without scheme). */
  readonly endPoint?: string;
  readonly port?: number;
  readonly useSSL?: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Created on first use when missing. */
  readonly bucket: string;
  /** Signing region (default `us-east-1`); setting it spares a bucket-location request. */
  readonly region?: string;
  /** A request whose socket is idle this long fails (default 30 000 ms), so a hung endpoint cannot stall a swap. */
  readonly requestTimeoutMs?: number;
  /** Parallel connections to the endpoint (default 16). */
  readonly maxSockets?: number;
  /** How transient failures are retried (see {@link S3RetryOptions}). */
  readonly retry?: S3RetryOptions;
  /**
   * Where retries are logged: a `warn` record per retry, an `error` record when the store gives up
   * after retrying; both with `endpoint`, `bucket`, `key`, `operation`, `attempt` and `attempts`
   * (default: JSON lines on stderr, `component: 's3-swap-store'`).
   */
  readonly logger?: Logger;
  /** Told of each retry and each request that failed for good, by operation (the host's metrics). */
  readonly observer?: { retried(operation: string): void; failed(operation: string): void };
}

/** S3 accepts at most this much in one PUT; larger objects would need multipart, which we never use. */
export const S3_SINGLE_PUT_LIMIT = 5 * 1024 * 1024 * 1024;
const DELETE_BATCH = 1000;
function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (b: Buffer) => parts.push(b));
    stream.on('error', reject);
    stream.on('end', () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts)));
  });
}

interface DeleteError {
  Code?: string;
  Message?: string;
  Key?: string;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A SwapStore on MinIO or any S3 endpoint (DESIGN §6), through the `minio` client, path-style.
 * Every object is written with one PUT (never multipart: the S3 server in CI has none, and the
 * snapshot repository keeps chunks far below the single-PUT limit). The bucket is created on first
 * use when missing. Unreachable endpoints raise UnavailableError, refusals by the server
 * SwapFailedError; both name the endpoint and the bucket.
 * @example
 * ```ts
 * const store = new S3SwapStore({ endpoint: 'http://127.0.0.1:9000', accessKey, secretKey, bucket: 'praas' });
 * const host = new RuntimeHost({ app, processes, transport, registry, store });
 * ```
 */
export class S3SwapStore implements SwapStore {
  readonly bucket: string;
  /** The endpoint as a URL, for messages. */
  readonly endpoint: string;
  private readonly client: Client;
  private readonly agent: http.Agent;
  private bucketReady: Promise<void> | undefined;
  private readonly retry: S3RetryPolicy;
  private readonly logger: Logger;
  private readonly observer: S3SwapStoreOptions['observer'];
  /** The HTTP status of the attempt running in this async context: minio's errors do not carry it. */
  private readonly attemptStatus = new AsyncLocalStorage<{ status?: number }>();

  constructor(options: S3SwapStoreOptions) {
    const { host, port, useSSL } = parseEndpoint(options);
    if (!options.accessKey || !options.secretKey) {
      throw new InvalidArgumentError('S3SwapStore needs accessKey and secretKey');
    }
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new InvalidArgumentError(
        `S3 bucket name ${JSON.stringify(options.bucket)} is invalid: 3-63 lower-case letters, digits, '.' or '-'`,
      );
    }
    const timeoutMs = options.requestTimeoutMs ?? 30_000;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new InvalidArgumentError(`requestTimeoutMs must be a positive number, got ${timeoutMs}`);
    }
    this.retry = new S3RetryPolicy(options.retry);
    this.observer = options.observer;
    this.logger = options.logger ?? new JsonLogger({ bindings: { component: 's3-swap-store' } });
    this.bucket = options.bucket;
    this.endpoint = `${useSSL ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const lib = useSSL ? https : http;
    this.agent = new lib.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
    // An idle socket fails the request instead of hanging the swap forever.
    const transport = {
      request: ((...args: Parameters<typeof http.request>) => {
        const req = lib.request(...(args as Parameters<typeof https.request>));
        const attempt = this.attemptStatus.getStore();
        if (attempt) req.once('response', (res: http.IncomingMessage) => (attempt.status = res.statusCode));
        req.setTimeout(timeoutMs, () => {
          const error = new Error(`no answer within ${timeoutMs} ms`) as NodeJS.ErrnoException;
          error.code = 'ERR_SOCKET_TIMEOUT';
          req.destroy(error);
        });
        return req;
      }) as typeof http.request,
    };
    this.client = new Client({
      endPoint: host,
      port,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region ?? 'us-east-1',
      pathStyle: true,
      // With the part size at the single-PUT limit, minio never switches to multipart.
      partSize: S3_SINGLE_PUT_LIMIT,
      transport,
      transportAgent: this.agent,
      retryOptions: { disableRetry: true },
    });
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    assertObjectKey(key);
    if (data.byteLength > S3_SINGLE_PUT_LIMIT) {
      throw new PayloadTooLargeError(`object '${key}'`, data.byteLength, S3_SINGLE_PUT_LIMIT);
    }
    await this.ensureBucket();
    await this.call('put', key, () => this.client.putObject(this.bucket, key, asBuffer(data), data.byteLength));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertObjectKey(key);
    await this.ensureBucket();
    return this.call('get', key, async () => {
      const stream = await this.openObject(key);
      return stream && readAll(stream);
    });
  }

  /**
   * Streams the object into `target` without an intermediate copy; returns the object's size
   * (bytes past `target.byteLength` are counted, not written), or undefined when it does not exist.
   */
  async readInto(key: string, target: Uint8Array): Promise<number | undefined> {
    assertObjectKey(key);
    await this.ensureBucket();
    return this.call('get', key, async () => {
      const stream = await this.openObject(key);
      if (!stream) return undefined;
      return new Promise<number>((resolve, reject) => {
        let at = 0;
        stream.on('data', (b: Buffer) => {
          if (at < target.byteLength) target.set(b.subarray(0, target.byteLength - at), at);
          at += b.byteLength;
        });
        stream.on('error', reject);
        stream.on('end', () => resolve(at));
      });
    });
  }

  async list(prefix: string): Promise<string[]> {
    assertKeyPrefix(prefix);
    await this.ensureBucket();
    return this.call('list', prefix, async () => {
      const keys: string[] = [];
      for await (const item of this.client.listObjectsV2(this.bucket, prefix, true) as AsyncIterable<{
        name?: string;
      }>) {
        if (item.name !== undefined) keys.push(item.name);
      }
      return keys.sort();
    });
  }

  async delete(keys: readonly string[]): Promise<void> {
    keys.forEach(assertObjectKey);
    if (keys.length === 0) return;
    await this.ensureBucket();
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      let results: unknown[];
      try {
        // One attempt: the fallback below is the retry (and what works on servers that always fail it).
        results = await this.call('delete', batch[0]!, () => this.client.removeObjects(this.bucket, batch), 1);
      } catch (e) {
        if (!(e instanceof SwapFailedError || e instanceof UnavailableError)) throw e;
        // Some servers fail a multi-object delete as a whole (s3rver races on the directories it
        // tidies up); one DELETE per key, one after another, gets the same result.
        for (const key of batch) await this.call('delete', key, () => this.client.removeObject(this.bucket, key));
        continue;
      }
      // The client hands back the <Error> entries of the reply (its typings say otherwise).
      for (const result of results as (DeleteError | { Error?: DeleteError } | null | undefined)[]) {
        const error = result && 'Error' in result ? result.Error : (result as DeleteError | null | undefined);
        if (!error?.Code || error.Code === 'NoSuchKey') continue;
        const key = String(error.Key ?? batch[0]);
        throw new SwapFailedError(
          `deleting '${key}' from bucket '${this.bucket}' at ${this.endpoint} failed: ${error.Code} ${error.Message ?? ''}`,
          { details: this.details(key, error.Code) },
        );
      }
    }
  }

  describe(): string {
    return `S3 bucket '${this.bucket}' at ${this.endpoint}`;
  }

  /** Closes idle connections to the endpoint; the store stays usable and reconnects on demand. */
  close(): void {
    this.agent.destroy();
  }

  private async openObject(key: string): Promise<Readable | undefined> {
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (e) {
      if (e instanceof S3Error && (e.code === 'NoSuchKey' || e.code === 'NotFound')) return undefined;
      throw e;
    }
  }

  /** Creates the bucket once; a failed attempt is forgotten so that the next call tries again. */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.call('create bucket', '', async () => {
      if (await this.client.bucketExists(this.bucket)) return;
      try {
        await this.client.makeBucket(this.bucket);
      } catch (e) {
        // Another store created it in the meantime.
        if (e instanceof S3Error && (e.code === 'BucketAlreadyOwnedByYou' || e.code === 'BucketAlreadyExists')) return;
        throw e;
      }
    }).catch((e: unknown) => {
      this.bucketReady = undefined;
      throw e;
    });
    return this.bucketReady;
  }

  private details(key: string, s3Code?: string): Record<string, unknown> {
    return { endpoint: this.endpoint, bucket: this.bucket, key, ...(s3Code ? { s3Code } : {}) };
  }

  /**
   * Runs one client operation, retrying transient failures with bounded backoff (each call is one
   * request: one chunk, so a reset connection costs that chunk again, not the whole snapshot), and
   * turns its last failure into an error that says where and what.
   */
  private async call<T>(
    operation: string,
    key: string,
    run: () => Promise<T>,
    attempts = this.retry.attempts,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const seen: { status?: number } = {};
      try {
        return await this.attemptStatus.run(seen, run);
      } catch (e) {
        if (e instanceof PraasError) throw e;
        const transient = transientReason(e, seen.status);
        const fields = { endpoint: this.endpoint, bucket: this.bucket, key, operation, attempt, attempts };
        const what = `S3 ${operation}${key ? ` of '${key}'` : ''} at ${this.endpoint}`;
        if (transient === undefined || attempt >= attempts) {
          this.observer?.failed(operation);
          const failure = this.failure(operation, key, e, attempt);
          // The caller gets the error; the log says the retries did not help (one try is the caller's to report).
          if (attempt > 1)
            this.logger.error(`${what} failed after ${attempt} attempts; giving up`, { ...fields, err: failure });
          throw failure;
        }
        this.observer?.retried(operation);
        const wait = this.retry.delayAfter(attempt);
        this.logger.warn(`${what} failed (${transient}) at attempt ${attempt} of ${attempts}; retrying in ${wait} ms`, {
          ...fields,
          reason: transient,
          retryInMs: wait,
        });
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private failure(operation: string, key: string, e: unknown, attempts: number): PraasError {
    const object = key ? ` of '${key}'` : '';
    const tried = attempts > 1 ? ` (${attempts} attempts)` : '';
    const code = connectionCode(e);
    if (code !== undefined) {
      return new UnavailableError(
        `S3 endpoint ${this.endpoint} (bucket '${this.bucket}') is unreachable during ${operation}${object}: ${code}${tried}; check that the server runs and PRAAS_S3_ENDPOINT names it`,
        { cause: e, details: { ...this.details(key), errno: code, attempts } },
      );
    }
    const s3Code = e instanceof S3Error ? e.code : undefined;
    const message = e instanceof Error ? e.message : String(e);
    return new SwapFailedError(
      `S3 ${operation}${object} in bucket '${this.bucket}' at ${this.endpoint} failed${tried}: ${s3Code ? `${s3Code}: ` : ''}${message}`,
      { cause: e, details: { ...this.details(key, s3Code), attempts } },
    );
  }
}

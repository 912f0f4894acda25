import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerPart } from './kmeans-math';
import { partBytes, partFromBytes, runKMeansWithExchange, type PartialExchange } from './exchange';
import type { KMeansOptions, KMeansRun } from './run-kmeans';
import { S3Bucket, type S3BucketOptions } from '@praas/samples-shared';

/** Options of the S3 exchange. */
export interface S3ExchangeOptions {
  readonly s3: S3BucketOptions;
  /** Pause between polls for missing parts (default 5 ms). */
  readonly pollMs?: number;
  /** How long a worker waits for the others in one epoch (default 60 000 ms). */
  readonly waitTimeoutMs?: number;
}

/**
 * Exchanges partial sums through S3, as LambdaML does: a worker writes its part as an object
 * `<run>/<epoch>/part-<w>` and polls for the objects of the others until it has all of them.
 */
export class S3Exchange implements PartialExchange {
  private readonly bucket: S3Bucket;
  private readonly pollMs: number;
  private readonly waitTimeoutMs: number;

  constructor(options: S3ExchangeOptions) {
    this.bucket = new S3Bucket(options.s3);
    this.pollMs = options.pollMs ?? 5;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 60_000;
  }

  async exchange(run: string, epoch: number, workers: number, part: WorkerPart): Promise<WorkerPart[]> {
    await this.bucket.put(this.key(run, epoch, part.worker), partBytes(part.packed));
    const parts: (WorkerPart | undefined)[] = Array.from({ length: workers }, () => undefined);
    parts[part.worker] = part;
    const deadline = Date.now() + this.waitTimeoutMs;
    let lastError: unknown;
    for (;;) {
      const missing = parts.flatMap((p, w) => (p ? [] : [w]));
      if (missing.length === 0) return parts as WorkerPart[];
      // A poll that fails is retried like one that finds nothing: some S3 servers answer 500 for an
      // object that is being written. The last failure is reported if the parts never arrive.
      const found = await Promise.all(
        missing.map((w) =>
          this.bucket.get(this.key(run, epoch, w)).catch((e: unknown) => {
            lastError = e;
            return undefined;
          }),
        ),
      );
      found.forEach((bytes, i) => {
        if (bytes) parts[missing[i]!] = { worker: missing[i]!, packed: partFromBytes(bytes) };
      });
      if (found.some((b) => !b)) {
        if (Date.now() > deadline) {
          const still = parts.flatMap((p, w) => (p ? [] : [w]));
          const cause = lastError instanceof Error ? ` (last poll failed: ${lastError.message})` : '';
          throw new Error(`epoch ${epoch} of ${run}: parts of workers [${still.join(', ')}] did not arrive${cause}`);
        }
        await sleep(this.pollMs);
      }
    }
  }

  async cleanup(run: string, epochs: number, workers: number): Promise<void> {
    const keys: string[] = [];
    for (let e = 1; e <= epochs; e++) for (let w = 0; w < workers; w++) keys.push(this.key(run, e, w));
    await this.bucket.remove(keys);
  }

  /** Closes idle connections. */
  close(): void {
    this.bucket.close();
  }

  private key(run: string, epoch: number, worker: number): string {
    return `${run}/${epoch}/part-${worker}`;
  }
}

/** `runKMeansWithExchange` through S3; closes its connections at the end. */
export async function runKMeansS3(options: KMeansOptions & S3ExchangeOptions): Promise<KMeansRun> {
  const exchange = new S3Exchange(options);
  try {
    return await runKMeansWithExchange(exchange, options);
  } finally {
    exchange.close();
  }
}

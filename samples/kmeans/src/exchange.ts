import { performance } from 'node:perf_hooks';
import { blobCentres, featuresOf, generateRows, shardRange } from './dataset';
import { initialCentroids, partialSums, reduceParts, updateCentroids, type WorkerPart } from './kmeans-math';
import { resolveOptions, type KMeansOptions, type KMeansRun } from './run-kmeans';

/**
 * How stateless workers exchange partial sums: each worker publishes its part for an epoch and
 * gets back every worker's part once all are there (the LambdaML pattern over storage).
 */
export interface PartialExchange {
  /** Publishes `part` for `epoch` of run `run`, waits for all `workers` parts, and returns them. */
  exchange(run: string, epoch: number, workers: number, part: WorkerPart): Promise<WorkerPart[]>;
  /** Removes what run `run` left in the store. */
  cleanup(run: string, epochs: number, workers: number): Promise<void>;
}

/** Bytes of a packed partial (the Float64Array's own bytes, little-endian on every platform we run). */
export function partBytes(packed: Float64Array): Buffer {
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
}

/** A packed partial from bytes (copied, so it is aligned). */
export function partFromBytes(bytes: Uint8Array): Float64Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float64Array(copy.buffer);
}

/**
 * Distributed k-means with stateless workers in this Node.js process that exchange partial sums
 * through `exchange` (Redis or S3): the same data, initial centroids, math and summation order as
 * `runKMeans`, so the result is bit-for-bit the same. Every worker reduces all parts itself.
 */
export async function runKMeansWithExchange(
  exchange: PartialExchange,
  options: KMeansOptions = {},
  run = `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`,
): Promise<KMeansRun> {
  const { workers, epochs, k, spec } = resolveOptions(options);
  const d = featuresOf(spec);
  const setupStart = performance.now();
  const centres = blobCentres(spec);
  const shards = Array.from({ length: workers }, (_, w) =>
    generateRows(spec, ...shardRange(spec.points, workers, w), centres),
  );
  const models = Array.from({ length: workers }, () => initialCentroids(spec, k));
  const setupMs = performance.now() - setupStart;
  const epochMs: number[] = [];
  const inertia: number[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const start = performance.now();
      const results = await Promise.all(
        shards.map(async (rows, worker) => {
          const packed = partialSums(rows, d, models[worker]!);
          const parts = await exchange.exchange(run, epoch, workers, { worker, packed });
          const next = updateCentroids(models[worker]!, d, reduceParts(parts));
          models[worker] = next.centroids;
          return next.inertia;
        }),
      );
      epochMs.push(performance.now() - start);
      inertia.push(results[0]!);
    }
  } finally {
    await exchange.cleanup(run, epochs, workers);
  }
  return { centroids: models[0]!, inertia, setupMs, epochMs };
}

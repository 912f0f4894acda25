import { featuresOf, generateRows, type DatasetSpec } from './dataset';
import { mixSeed, mulberry32 } from '@praas/samples-shared';

/*
 * A partial result travels as one Float64Array: [inertia, counts (k), sums (k × d)]. One typed
 * array is one binary blob in every exchange (the PraaS codec, Redis, S3): no JSON on the way.
 */

/** Length of a packed partial for k clusters of d features. */
export function packedLength(k: number, d: number): number {
  return 1 + k + k * d;
}

/** The k initial centroids: k distinct points of the data set chosen by the seed. */
export function initialCentroids(spec: DatasetSpec, k: number): Float64Array {
  if (k > spec.points) throw new RangeError(`cannot pick ${k} initial centroids from ${spec.points} points`);
  const d = featuresOf(spec);
  const random = mulberry32(mixSeed(spec.seed, 0xc0ffee));
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(Math.floor(random() * spec.points));
  const centroids = new Float64Array(k * d);
  [...chosen].forEach((row, c) => centroids.set(generateRows(spec, row, row + 1), c * d));
  return centroids;
}

/**
 * One pass of Lloyd's algorithm over `rows`: assigns each point to its nearest centroid and adds
 * it to that cluster's sum. Accumulates into `into` (packed) so a caller can sum in a fixed order.
 */
export function accumulatePartial(
  rows: Float64Array,
  d: number,
  centroids: Float64Array,
  into: Float64Array,
): Float64Array {
  const k = centroids.length / d;
  const n = rows.length / d;
  for (let i = 0; i < n; i++) {
    const p = i * d;
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < k; c++) {
      const q = c * d;
      let distance = 0;
      for (let j = 0; j < d; j++) {
        const diff = rows[p + j]! - centroids[q + j]!;
        distance += diff * diff;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    into[0] = into[0]! + bestDistance;
    into[1 + best] = into[1 + best]! + 1;
    const s = 1 + k + best * d;
    for (let j = 0; j < d; j++) into[s + j] = into[s + j]! + rows[p + j]!;
  }
  return into;
}

/** The partial sums of one shard for one epoch. */
export function partialSums(rows: Float64Array, d: number, centroids: Float64Array): Float64Array {
  return accumulatePartial(rows, d, centroids, new Float64Array(packedLength(centroids.length / d, d)));
}

/** One contribution to an epoch's all-reduce. */
export interface WorkerPart {
  readonly worker: number;
  readonly packed: Float64Array;
}

/**
 * Adds the workers' partials in worker order, whatever order they arrived in: floating-point
 * addition is not associative, and a fixed order makes every exchange give the same bits.
 */
export function reduceParts(parts: readonly WorkerPart[]): Float64Array {
  if (parts.length === 0) throw new RangeError('nothing to reduce');
  const sorted = [...parts].sort((a, b) => a.worker - b.worker);
  const length = sorted[0]!.packed.length;
  const total = new Float64Array(length);
  for (const { worker, packed } of sorted) {
    if (packed.length !== length)
      throw new RangeError(`worker ${worker} sent ${packed.length} values, expected ${length}`);
    for (let i = 0; i < length; i++) total[i] = total[i]! + packed[i]!;
  }
  return total;
}

/** New centroids from reduced sums; an empty cluster keeps its centroid. Returns the epoch's inertia too. */
export function updateCentroids(
  centroids: Float64Array,
  d: number,
  reduced: Float64Array,
): { centroids: Float64Array; inertia: number } {
  const k = centroids.length / d;
  const next = new Float64Array(centroids);
  for (let c = 0; c < k; c++) {
    const count = reduced[1 + c]!;
    if (count === 0) continue;
    const s = 1 + k + c * d;
    for (let j = 0; j < d; j++) next[c * d + j] = reduced[s + j]! / count;
  }
  return { centroids: next, inertia: reduced[0]! };
}

/** Outcome of a k-means run: final centroids and the inertia (sum of squared distances) per epoch. */
export interface KMeansOutcome {
  readonly centroids: Float64Array;
  /** Inertia of each epoch, measured against the centroids that epoch started with. */
  readonly inertia: number[];
}

/**
 * The single-process reference: the same data, initial centroids and epochs, one pass over all
 * points in index order (in blocks, to bound memory). Distributed runs must match it to 1e-9.
 */
export function referenceKMeans(spec: DatasetSpec, k: number, epochs: number, blockRows = 8192): KMeansOutcome {
  const d = featuresOf(spec);
  let centroids = initialCentroids(spec, k);
  const inertia: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const total = new Float64Array(packedLength(k, d));
    for (let start = 0; start < spec.points; start += blockRows) {
      accumulatePartial(generateRows(spec, start, Math.min(spec.points, start + blockRows)), d, centroids, total);
    }
    const next = updateCentroids(centroids, d, total);
    centroids = next.centroids;
    inertia.push(next.inertia);
  }
  return { centroids, inertia };
}

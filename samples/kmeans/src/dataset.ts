import { gaussian, mixSeed, mulberry32 } from '@praas/samples-shared';

/** The Higgs data set's shape: 28 real-valued features per point. */
export const HIGGS_FEATURES = 28;

/** A deterministic synthetic data set shaped like Higgs: Gaussian blobs around seeded centres. */
export interface DatasetSpec {
  readonly seed: number;
  readonly points: number;
  /** Features per point (default 28, like Higgs). */
  readonly features?: number;
  /** Blobs the points are drawn around (default 8). */
  readonly blobs?: number;
}

/** Features per point of a spec. */
export function featuresOf(spec: DatasetSpec): number {
  return spec.features ?? HIGGS_FEATURES;
}

/** Centres of the blobs, row-major (blobs × features), spread over [-5, 5]. */
export function blobCentres(spec: DatasetSpec): Float64Array {
  const d = featuresOf(spec);
  const blobs = spec.blobs ?? 8;
  const random = mulberry32(mixSeed(spec.seed, 0xb10b));
  const centres = new Float64Array(blobs * d);
  for (let i = 0; i < centres.length; i++) centres[i] = random() * 10 - 5;
  return centres;
}

/**
 * Rows `start` (inclusive) to `end` (exclusive) of the data set, row-major. Each point is drawn
 * from its own seeded stream, so any shard is generated alone and every split of the data set
 * yields the same points.
 */
export function generateRows(spec: DatasetSpec, start: number, end: number, centres = blobCentres(spec)): Float64Array {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= spec.points)) {
    throw new RangeError(`rows ${start}..${end} are not within the data set of ${spec.points} points`);
  }
  const d = featuresOf(spec);
  const blobs = centres.length / d;
  const rows = new Float64Array((end - start) * d);
  for (let i = start; i < end; i++) {
    const random = mulberry32(mixSeed(spec.seed, i));
    const blob = Math.floor(random() * blobs);
    const spread = 0.5 + random(); // Blobs of different widths, as real clusters have.
    const offset = (i - start) * d;
    for (let j = 0; j < d; j++) rows[offset + j] = centres[blob * d + j]! + spread * gaussian(random);
  }
  return rows;
}

/** The half-open range of rows worker `worker` of `workers` owns: contiguous, sizes differ by at most one. */
export function shardRange(points: number, workers: number, worker: number): [number, number] {
  const base = Math.floor(points / workers);
  const extra = points % workers;
  const start = worker * base + Math.min(worker, extra);
  return [start, start + base + (worker < extra ? 1 : 0)];
}

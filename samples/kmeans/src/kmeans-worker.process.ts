import { performance } from 'node:perf_hooks';
import { Fn, Process, State, type Context } from '@praas/framework';
import { blobCentres, featuresOf, generateRows, shardRange, type DatasetSpec } from './dataset';
import { initialCentroids, partialSums, updateCentroids } from './kmeans-math';
import type { ReducerContribution } from './reducer.process';

/** What a worker is told at `init`. */
export interface WorkerConfig {
  readonly worker: number;
  readonly workers: number;
  readonly k: number;
  readonly spec: DatasetSpec;
  /** Pid of the Reducer process that all-reduces each epoch. */
  readonly reducer: string;
}

/** What one `step` of a worker reports. */
export interface StepReport {
  readonly epoch: number;
  readonly inertia: number;
  /** Time spent on the local pass over the shard. */
  readonly computeMs: number;
  /** Time from sending the partial to having the reduced sums back (includes waiting for the others). */
  readonly reduceMs: number;
}

/**
 * One k-means worker (LambdaML style): owns a shard of the data set and the current centroids as
 * state; each `step` computes its shard's partial sums, all-reduces them with the other workers
 * through the Reducer's multi-source function (key = epoch), and applies the reduced update. The
 * shard is a Float64Array, so a swap moves it as raw bytes.
 */
@Process({ name: 'KMeansWorker', maxConcurrency: 4 })
export class KMeansWorker {
  @State() config: WorkerConfig | null = null;
  @State() rows: Float64Array = new Float64Array(0);
  @State() centroids: Float64Array = new Float64Array(0);
  @State() epoch = 0;
  @State() inertia: number[] = [];

  /** Generates this worker's shard and the shared initial centroids. */
  @Fn()
  init(config: WorkerConfig): { rows: number } {
    const [start, end] = shardRange(config.spec.points, config.workers, config.worker);
    this.config = config;
    this.rows = generateRows(config.spec, start, end, blobCentres(config.spec));
    this.centroids = initialCentroids(config.spec, config.k);
    this.epoch = 0;
    this.inertia = [];
    return { rows: end - start };
  }

  /** Runs epoch `epoch` (which must be the next one) and returns its report once every worker contributed. */
  @Fn()
  async step(epoch: number, ctx: Context): Promise<StepReport> {
    const config = this.config;
    if (!config) throw new Error(`worker ${ctx.self} is not initialised: call init first`);
    if (epoch !== this.epoch + 1)
      throw new Error(`worker ${ctx.self} is at epoch ${this.epoch}; the next step is ${this.epoch + 1}, not ${epoch}`);
    const d = featuresOf(config.spec);
    const t0 = performance.now();
    const packed = partialSums(this.rows, d, this.centroids);
    const t1 = performance.now();
    const contribution: ReducerContribution = { worker: config.worker, epoch, packed };
    const reduced = await ctx.invoke<Float64Array>(config.reducer, 'allReduce', contribution, { key: epoch });
    const t2 = performance.now();
    const next = updateCentroids(this.centroids, d, reduced);
    this.centroids = next.centroids;
    this.inertia.push(next.inertia);
    this.epoch = epoch;
    return { epoch, inertia: next.inertia, computeMs: t1 - t0, reduceMs: t2 - t1 };
  }

  /** The worker's current centroids and epoch. */
  @Fn()
  model(): { epoch: number; centroids: Float64Array; inertia: number[] } {
    return { epoch: this.epoch, centroids: this.centroids, inertia: this.inertia };
  }
}

import { performance } from 'node:perf_hooks';
import type { Constructor, ControlPlaneApi } from '@praas/framework';
import type { DatasetSpec } from './dataset';
import { KMeansWorker, type StepReport, type WorkerConfig } from './kmeans-worker.process';
import type { KMeansOutcome } from './kmeans-math';
import { DEFAULT_WORKERS, reducerClassName, reducerFor } from './reducer.process';

/** Shape of a distributed k-means run. */
export interface KMeansOptions {
  /** Worker processes (default 4); the Reducer class for this count must be registered. */
  workers?: number;
  epochs?: number;
  /** Points in the data set (default 20 000). */
  points?: number;
  /** Clusters (default 8). */
  k?: number;
  /** Seed of the data set and the initial centroids (default 2024). */
  seed?: number;
  /** Features per point (default 28, like Higgs). */
  features?: number;
}

/** A run's outcome plus timings (milliseconds). */
export interface KMeansRun extends KMeansOutcome {
  /** Creating the processes and generating the shards (or, for the variants, the shards alone). */
  readonly setupMs: number;
  /** Wall time of each epoch, all workers included. */
  readonly epochMs: number[];
}

/** Fills in defaults. */
export function resolveOptions(options: KMeansOptions): Required<KMeansOptions> & { spec: DatasetSpec } {
  const resolved = {
    workers: options.workers ?? DEFAULT_WORKERS,
    epochs: options.epochs ?? 5,
    points: options.points ?? 20_000,
    k: options.k ?? 8,
    seed: options.seed ?? 2024,
    features: options.features ?? 28,
  };
  return {
    ...resolved,
    spec: { seed: resolved.seed, points: resolved.points, features: resolved.features, blobs: resolved.k },
  };
}

/** The process classes a k-means application needs for `workers` workers. */
export function kmeansProcesses(workers = DEFAULT_WORKERS): Constructor[] {
  return [KMeansWorker, reducerFor(workers)];
}

/** Hooks into a run, e.g. to swap processes between epochs. */
export interface KMeansHooks {
  /** Called after each epoch completed on every worker, before the next one starts. */
  afterEpoch?(epoch: number, processes: { app: string; workers: string[]; reducer: string }): Promise<void>;
}

/**
 * Distributed k-means on any control plane: creates application `app` with one Reducer and
 * `workers` KMeansWorker processes, generates the shards, and runs the epochs. Each epoch every
 * worker is invoked; it computes its partial sums and all-reduces them through the Reducer's
 * multi-source function, receiving the sum back from its own invoke. Deletes the application at
 * the end. The stack must run `kmeansProcesses(workers)`.
 */
export async function runKMeans(
  praas: ControlPlaneApi,
  options: KMeansOptions = {},
  hooks: KMeansHooks = {},
  app = 'kmeans',
): Promise<KMeansRun> {
  const { workers, epochs, k, spec } = resolveOptions(options);
  const setupStart = performance.now();
  const reducerClass = reducerClassName(workers);
  await praas.createApp(app, { processClasses: ['KMeansWorker', reducerClass] });
  try {
    const reducer = (await praas.createProcess(app, { processClass: reducerClass, pid: 'reducer' })).pid;
    const pids = await Promise.all(
      Array.from(
        { length: workers },
        async (_, w) => (await praas.createProcess(app, { processClass: 'KMeansWorker', pid: `worker-${w}` })).pid,
      ),
    );
    await Promise.all(
      pids.map((pid, worker) => {
        const config: WorkerConfig = { worker, workers, k, spec, reducer };
        return praas.invoke(app, 'init', config, { pid });
      }),
    );
    const setupMs = performance.now() - setupStart;
    const epochMs: number[] = [];
    const inertia: number[] = [];
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const start = performance.now();
      const reports = await Promise.all(pids.map((pid) => praas.invoke<StepReport>(app, 'step', epoch, { pid })));
      epochMs.push(performance.now() - start);
      const values = new Set(reports.map((r) => r.inertia));
      if (values.size !== 1)
        throw new Error(`workers disagree on the inertia of epoch ${epoch}: ${[...values].join(', ')}`);
      inertia.push(reports[0]!.inertia);
      await hooks.afterEpoch?.(epoch, { app, workers: pids, reducer });
    }
    const model = await praas.invoke<{ centroids: Float64Array }>(app, 'model', null, { pid: pids[0]! });
    return { centroids: model.centroids, inertia, setupMs, epochMs };
  } finally {
    await praas.deleteApp(app);
  }
}

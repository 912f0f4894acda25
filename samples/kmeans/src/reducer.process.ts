import { Fn, multiSource, Process, State, type Constructor, type Part } from '@praas/framework';
import { reduceParts } from './kmeans-math';

/** One worker's contribution to an epoch's all-reduce. */
export interface ReducerContribution {
  readonly worker: number;
  readonly epoch: number;
  readonly packed: Float64Array;
}

/** Workers per run when none is given: the default Reducer all-reduces 4 contributions. */
export const DEFAULT_WORKERS = 4;

const classes = new Map<number, Constructor>();

/** The process class name of the Reducer for `workers` workers, e.g. `Reducer4`. */
export function reducerClassName(workers: number): string {
  return `Reducer${workers}`;
}

/**
 * The Reducer process class for `workers` workers. A multi-source trigger's `count` is fixed when
 * the class is decorated, so each worker count gets its own class (created once, then cached),
 * named `Reducer<workers>`. Register it with the runtime hosts next to `KMeansWorker`.
 */
export function reducerFor(workers: number): Constructor {
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const cached = classes.get(workers);
  if (cached) return cached;

  /**
   * All-reduce for k-means: `allReduce` fires once every worker contributed for an epoch (the
   * invocation key), sums the partials in worker order, and every contributing worker's `invoke`
   * resolves with that same sum. No worker polls, no storage round trip.
   */
  @Process({ name: reducerClassName(workers), maxConcurrency: 16 })
  class Reducer {
    @State() epochsReduced = 0;
    @State() lastEpoch = 0;

    @Fn({ trigger: multiSource({ count: workers }) })
    allReduce(parts: Part<ReducerContribution>[]): Float64Array {
      const epochs = new Set(parts.map((p) => p.data.epoch));
      const seen = new Set(parts.map((p) => p.data.worker));
      if (epochs.size !== 1 || seen.size !== workers || String(parts[0]!.data.epoch) !== parts[0]!.key) {
        throw new Error(
          `epoch ${parts[0]!.key}: expected one contribution from each of ${workers} workers, got workers ` +
            `[${parts.map((p) => p.data.worker).join(', ')}] for epochs [${[...epochs].join(', ')}]`,
        );
      }
      this.epochsReduced++;
      this.lastEpoch = Math.max(this.lastEpoch, parts[0]!.data.epoch);
      return reduceParts(parts.map((p) => ({ worker: p.data.worker, packed: p.data.packed })));
    }

    @Fn()
    progress(): { epochsReduced: number; lastEpoch: number } {
      return { epochsReduced: this.epochsReduced, lastEpoch: this.lastEpoch };
    }
  }
  classes.set(workers, Reducer);
  return Reducer;
}

/** The Reducer for DEFAULT_WORKERS workers. */
export const Reducer = reducerFor(DEFAULT_WORKERS);

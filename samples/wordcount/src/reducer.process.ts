import { batch, Fn, Process, State, type Part } from '@praas/framework';

/** How far a reducer got. */
export interface ReducerStatus {
  /** Messages folded so far. */
  readonly folded: number;
  /** Calls of `fold` so far. */
  readonly batches: number;
  /** Distinct words counted. */
  readonly distinct: number;
}

/** Messages per fold call, and how long a partial batch waits for more. */
export const FOLD_BATCH = { size: 64, maxWaitMs: 20 } as const;

/**
 * A MapReduce reducer: `fold` is a batch-triggered function that takes up to 64 word messages at
 * a time (or what arrived within 20 ms) and adds them into a `Map` word → count in its state.
 * Messages that arrive while it is swapped out wait in its backup queue and are folded after the
 * next swap-in; a partial batch is swapped with the process.
 */
@Process({ name: 'WordReducer' })
export class WordReducer {
  @State() counts = new Map<string, number>();
  @State() folded = 0;
  @State() batches = 0;

  @Fn({ trigger: batch(FOLD_BATCH) })
  fold(parts: Part<number>[]): number {
    for (const { key, data } of parts) this.counts.set(key, (this.counts.get(key) ?? 0) + data);
    this.folded += parts.length;
    this.batches++;
    return parts.length;
  }

  @Fn()
  status(): ReducerStatus {
    return { folded: this.folded, batches: this.batches, distinct: this.counts.size };
  }

  /** The counts so far. */
  @Fn()
  result(): Map<string, number> {
    return this.counts;
  }
}

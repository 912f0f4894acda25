import type { TimerKvPage } from './timer-pages';

/** One entry of a {@link TimerKv}: a key's current JSON value and revision. */
export interface TimerKvEntry {
  readonly key: string;
  readonly value: unknown;
  readonly revision: number;
}

/**
 * The key-value operations the timer store's protocol needs: what JetStream KV offers, and what
 * the in-memory store imitates. Keys are dot-separated tokens; a filter is a key prefix ending in
 * `.>`. Values are JSON.
 */
export interface TimerKv {
  get(key: string): Promise<TimerKvEntry | undefined>;
  /** Writes unconditionally; returns the new revision. */
  put(key: string, value: object): Promise<number>;
  /** Writes only at `expectedRevision` (0: only when the key has no value); undefined when it did not. */
  compareAndSet(key: string, value: object, expectedRevision: number): Promise<number | undefined>;
  /** Deletes; with `expectedRevision` only at that revision. Returns false when that revision did not match. */
  delete(key: string, expectedRevision?: number): Promise<boolean>;
  /** Every key matching `filter` with its value. */
  entries(filter: string): Promise<TimerKvEntry[]>;
  /**
   * The keys matching `filter` last written after revision `after`, in the order of their last
   * writes: up to `limit` of them, looking at no more than `scan` entries (deletion markers count).
   * Costs O(entries looked at), not O(keys matching): what paging a large listing needs.
   */
  page(filter: string, after: number, limit: number, scan: number): Promise<TimerKvPage>;
  /**
   * Removes the deletion marker a deleted key left (a key with a value stays), or every trace of
   * the keys matching a filter, values and markers.
   */
  forget(keyOrFilter: string): Promise<void>;
  close(): Promise<void>;
}

import type { Schedule } from './schedule';
import type { TimerPage, TimerPageQuery } from './timer-pages';

/** Who holds a claimed timer, and until when (epoch ms); after that another firer may take it. */
export interface TimerLease {
  readonly owner: string;
  readonly until: number;
}

/** One durable timer of a process: what to call, with what, and when. */
export interface TimerRecord {
  readonly app: string;
  readonly pid: string;
  /** Unique within the process; the scheduling key when there is one (see {@link timerIdFor}). */
  readonly id: string;
  /** The function the firing invokes. */
  readonly fn: string;
  /** The invocation's payload, already encoded. */
  readonly data: Uint8Array;
  readonly schedule: Schedule;
  /** When the timer is next due (epoch ms). */
  readonly dueAt: number;
  /**
   * While a failed firing is retried: the time that firing was scheduled for (`dueAt` is then the
   * retry's time). Absent when `dueAt` is the scheduled time. A firing is identified by the timer's
   * id, `createdAt` and this time, so its retries and re-deliveries are deduplicated as one.
   */
  readonly scheduledAt?: number;
  readonly key?: string;
  /** Failed firings of the current due time so far (0 before the first firing). */
  readonly attempt: number;
  readonly createdAt: number;
  /** Set by {@link TimerStore.claim}: a firer holds this firing. */
  readonly lease?: TimerLease;
}

/** A timer with the store's revision of it, for compare-and-set. */
export interface VersionedTimer {
  readonly timer: TimerRecord;
  readonly revision: number;
}

/**
 * Where timers live, outside any process or host (issue 19). Records are kept per process; a due
 * index in time slots lets a firer read the timers due up to a time without reading the others,
 * and a claim (compare-and-set on the revision) lets exactly one of several firers take a firing.
 */
export interface TimerStore {
  /** Stores the timer, replacing one of the same app, pid and id. Returns its revision. */
  put(timer: TimerRecord): Promise<number>;
  get(app: string, pid: string, id: string): Promise<VersionedTimer | undefined>;
  /**
   * Writes the timer only while it is at `expectedRevision` (a reschedule after a firing, a retry
   * with a later `dueAt`). Returns the new revision, or undefined when it changed meanwhile or is gone.
   */
  update(timer: TimerRecord, expectedRevision: number): Promise<number | undefined>;
  /**
   * Removes the timer; with `expectedRevision` only while it is at that revision. Returns whether
   * a timer was removed.
   */
  delete(app: string, pid: string, id: string, expectedRevision?: number): Promise<boolean>;
  /** The timers of one process, in no particular order. */
  list(app: string, pid: string): Promise<TimerRecord[]>;
  /**
   * One page of the application's timers (or, with `query.pid`, of one process's), in the order of
   * their last change, with the cursor of the next page. A walk through the pages returns every
   * timer that stays unchanged during the walk exactly once; one changed meanwhile (claimed,
   * rescheduled) comes again with its newer content once the walk gets there; one deleted may be
   * missing. A page costs O(limit) entries read (at most TIMER_PAGE_SCAN_LIMIT), never O(timers).
   * @throws InvalidArgumentError for a limit out of range or a cursor no page of timers gave.
   */
  listPage(app: string, query?: TimerPageQuery): Promise<TimerPage>;
  /**
   * Up to `limit` timers of the application due at or before `until`, earliest first, leaving out
   * those a firer holds under an unexpired lease. Reads only the index slots up to `until`.
   */
  due(app: string, until: number, limit: number): Promise<VersionedTimer[]>;
  /**
   * Takes a due timer for `owner` for `leaseMs`: sets the lease and counts the attempt, only while
   * the timer is at `expectedRevision`. Returns the claimed timer, or undefined when another firer
   * (or a change) came first.
   */
  claim(
    app: string,
    pid: string,
    id: string,
    expectedRevision: number,
    lease: { owner: string; leaseMs: number },
  ): Promise<VersionedTimer | undefined>;
  close(): Promise<void>;
}

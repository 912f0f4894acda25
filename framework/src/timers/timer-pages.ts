import { validateName } from '../wire/names';
import { checkPageLimit, decodeRevisionCursor, encodeRevisionCursor } from '../wire/page-cursor';
import type { TimerKvEntry } from './timer-kv';
import type { TimerRecord } from './timer-store';

/** What a page of timers holds (`TimerStore.listPage`). */
export interface TimerPageQuery {
  /** At most this many timers (1 to MAX_TIMER_PAGE_LIMIT; default DEFAULT_TIMER_PAGE_LIMIT). */
  readonly limit?: number;
  /** Where the previous page ended (its `cursor`); absent for the first page. */
  readonly cursor?: string;
  /** Only the timers of this process. */
  readonly pid?: string;
}

/** One page of timers, with the cursor of the next page (absent when the walk is complete). */
export interface TimerPage<T = TimerRecord> {
  readonly timers: T[];
  readonly cursor?: string;
}

/** The page size when none is asked for. */
export const DEFAULT_TIMER_PAGE_LIMIT = 100;
/** The largest page. */
export const MAX_TIMER_PAGE_LIMIT = 1_000;
/**
 * How many entries (deletion markers included) a page may look at: a page's cost stays bounded
 * however many timers were deleted after the cursor.
 */
export const TIMER_PAGE_SCAN_LIMIT = 5_000;

/** One page of a key-value listing in write order (`TimerKv.page`). */
export interface TimerKvPage {
  readonly entries: TimerKvEntry[];
  /** The revision of the last entry looked at (the next page starts after it). */
  readonly last: number;
  /** Whether entries written after `last` may remain. */
  readonly more: boolean;
}

/** A timer page query checked, with its cursor decoded. */
export interface TimerPageWalk {
  readonly limit: number;
  /** The store revision the page starts after (0: from the beginning). */
  readonly after: number;
  readonly pid?: string;
}

const CURSOR_PREFIX = 'timers-after:';

/**
 * Checks a timer page query and decodes its cursor.
 * @throws InvalidArgumentError for a limit out of range or a cursor no page of timers gave;
 *   InvalidNameError for a pid that is no name.
 */
export function timerPageWalk(query: TimerPageQuery = {}): TimerPageWalk {
  return {
    limit: checkPageLimit(query.limit, DEFAULT_TIMER_PAGE_LIMIT, MAX_TIMER_PAGE_LIMIT),
    after: query.cursor === undefined ? 0 : decodeRevisionCursor(CURSOR_PREFIX, query.cursor, 'timers'),
    ...(query.pid === undefined ? {} : { pid: validateName('pid', query.pid) }),
  };
}

/** The cursor of a page whose last looked-at entry has `revision`. */
export function encodeTimerCursor(revision: number): string {
  return encodeRevisionCursor(CURSOR_PREFIX, revision);
}

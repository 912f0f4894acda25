import type { ProcessStatus } from '../api/context';
import { InvalidArgumentError } from '../errors';
import { validateName } from '../wire/names';
import { checkPageLimit, decodeRevisionCursor, encodeRevisionCursor } from '../wire/page-cursor';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  PAGE_SCAN_LIMIT,
  type ProcessPageQuery,
  type ProcessRecord,
} from './registry';

const STATUSES: readonly ProcessStatus[] = ['active', 'swapping-out', 'swapped', 'swapping-in', 'deleted'];
const CURSOR_PREFIX = 'after:';

/** A page query checked, with its cursor decoded: what both registries page by. */
export interface PageWalk {
  readonly limit: number;
  /** The registry revision the page starts after (0: from the beginning). */
  readonly after: number;
  /** How many records (and, in NATS KV, deletion markers) the page may look at. */
  readonly scan: number;
  /** Whether the query has a filter (else every record looked at goes into the page). */
  readonly filtered: boolean;
  readonly matches: (record: ProcessRecord) => boolean;
}

/**
 * Checks a page query and decodes its cursor (the revision of the last record the previous page
 * looked at, opaque to callers).
 * @throws InvalidArgumentError naming what is wrong: a limit out of range, an unknown status, a
 *   cursor this registry did not give; InvalidNameError for a class or host that is no name.
 */
export function pageWalk(query: ProcessPageQuery = {}): PageWalk {
  const limit = checkPageLimit(query.limit, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
  if (query.status !== undefined && !STATUSES.includes(query.status))
    throw new InvalidArgumentError(
      `status must be one of ${STATUSES.join(', ')}; got ${JSON.stringify(query.status)}`,
      {
        status: query.status,
      },
    );
  const { status, processClass, host } = query;
  if (processClass !== undefined) validateName('process class', processClass);
  if (host !== undefined) validateName('host id', host);
  const filtered = status !== undefined || processClass !== undefined || host !== undefined;
  return {
    limit,
    after: query.cursor === undefined ? 0 : decodeRevisionCursor(CURSOR_PREFIX, query.cursor, 'processes'),
    scan: PAGE_SCAN_LIMIT,
    filtered,
    matches: (r) =>
      (status === undefined || r.status === status) &&
      (processClass === undefined || r.processClass === processClass) &&
      (host === undefined || (r.host === host && r.status === 'active')),
  };
}

/** The cursor of a page whose last looked-at record has `revision`. */
export function encodeCursor(revision: number): string {
  return encodeRevisionCursor(CURSOR_PREFIX, revision);
}

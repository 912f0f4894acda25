import { InvalidArgumentError } from '../errors';

/**
 * Checks a page's `limit` (`fallback` when absent): what every paged listing (processes, timers)
 * accepts.
 * @throws InvalidArgumentError for a limit that is no integer from 1 to `max`.
 */
export function checkPageLimit(limit: number | undefined, fallback: number, max: number): number {
  const checked = limit ?? fallback;
  if (!Number.isSafeInteger(checked) || checked < 1 || checked > max)
    throw new InvalidArgumentError(`limit must be an integer from 1 to ${max}, got ${String(checked)}`, {
      limit: checked,
    });
  return checked;
}

/**
 * The cursor of a page whose last looked-at entry has store `revision`, tagged with `prefix` so a
 * cursor of one listing is refused by another. Opaque to callers.
 */
export function encodeRevisionCursor(prefix: string, revision: number): string {
  return Buffer.from(`${prefix}${revision}`).toString('base64url');
}

/**
 * The revision in a cursor {@link encodeRevisionCursor} gave with `prefix`.
 * @throws InvalidArgumentError naming the cursor when no page of `what` gave it.
 */
export function decodeRevisionCursor(prefix: string, cursor: string, what: string): number {
  const text = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString() : '';
  const revision = text.startsWith(prefix) ? Number(text.slice(prefix.length)) : NaN;
  if (!Number.isSafeInteger(revision) || revision < 0 || encodeRevisionCursor(prefix, revision) !== cursor)
    throw new InvalidArgumentError(
      `cursor ${JSON.stringify(cursor)} is not one a page of ${what} gave; start again without a cursor`,
      { cursor },
    );
  return revision;
}

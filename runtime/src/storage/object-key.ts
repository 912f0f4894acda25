import { InvalidArgumentError } from '@praas/framework/internal';

/** '.' and '..', also percent-encoded ('%2e', '.%2E', ...): a server that decodes paths sees them as such. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

function plainSegment(segment: string): boolean {
  return segment.length > 0 && !DOT_SEGMENT.test(segment);
}

function refuse(what: 'object key' | 'key prefix', key: string): never {
  throw new InvalidArgumentError(
    `${what} ${JSON.stringify(key)} is not a relative path of plain segments (no leading '/', no empty, '.' or '..' segment, also not percent-encoded)`,
    { key },
  );
}

/**
 * Every swap store checks its keys with this one rule (DESIGN §6), so that no key leaves the
 * store's root or a process's prefix: a relative path of non-empty segments, none of them '.' or
 * '..' in any spelling. The snapshot layout (`<app>/<pid>/<generation>/chunk-NNNN`) always passes.
 * @throws InvalidArgumentError naming the key.
 */
export function assertObjectKey(key: string): string {
  if (typeof key !== 'string' || key.startsWith('/') || !key.split('/').every(plainSegment)) refuse('object key', key);
  return key;
}

/**
 * The rule of {@link assertObjectKey} for a listing prefix: its complete segments (those before
 * the last '/') must be plain; the last, partial segment only narrows the names and may be anything.
 * The empty prefix lists the whole store.
 * @throws InvalidArgumentError naming the prefix.
 */
export function assertKeyPrefix(prefix: string): string {
  if (typeof prefix !== 'string') refuse('key prefix', String(prefix));
  const segments = prefix.split('/').slice(0, -1);
  if (prefix.startsWith('/') || !segments.every(plainSegment)) refuse('key prefix', prefix);
  return prefix;
}

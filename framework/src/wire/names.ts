import { InvalidNameError } from '../errors';

/** What a name is used for; appears in error messages. */
export type NameKind =
  | 'application'
  | 'application incarnation'
  | 'pid'
  | 'function'
  | 'process class'
  | 'message key'
  | 'state key'
  | 'idempotency key'
  | 'host id'
  | 'timer key'
  | 'timer id';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const MAX_LENGTH = 128;
const RULE = `1 to ${MAX_LENGTH} characters: letters, digits, '_' and '-', starting with a letter or digit`;

/**
 * The one naming rule for applications, pids, functions, classes and message keys. Such names
 * become NATS subject tokens and object-key segments, so dots, wildcards, slashes and spaces are out.
 * @throws InvalidNameError naming the kind and the value.
 */
export function validateName(kind: NameKind, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH || !NAME.test(value)) {
    throw new InvalidNameError(kind, value, RULE);
  }
  return value;
}

/** True when `value` satisfies the naming rule. */
export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_LENGTH && NAME.test(value);
}

/** Message and invocation keys may be given as numbers (an epoch); they travel as strings. */
export function normalizeKey(kind: NameKind, key: string | number): string {
  if (typeof key === 'number') {
    if (!Number.isSafeInteger(key)) throw new InvalidNameError(kind, key, 'a numeric key must be a safe integer');
    return String(key);
  }
  return validateName(kind, key);
}

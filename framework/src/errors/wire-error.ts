import { isErrorCode, retryableByDefault, type ErrorCode } from './error-codes';
import * as errors from './errors';
import { PraasError, type WireError } from './praas-error';

type ErrorClass = (new (...args: never[]) => PraasError) & { readonly code?: ErrorCode };

/** Every error class by its code, so a receiver rebuilds the class the sender threw. */
const CLASSES = new Map<ErrorCode, ErrorClass>();
for (const cls of Object.values(errors) as unknown[]) {
  if (typeof cls !== 'function' || !(cls.prototype instanceof PraasError)) continue;
  const { code } = cls as ErrorClass;
  if (code === undefined) continue;
  // Two classes for one code could not be told apart on the wire: a mistake to catch at load time.
  const taken = CLASSES.get(code);
  if (taken) throw new Error(`error classes ${taken.name} and ${cls.name} both claim the code ${code}`);
  CLASSES.set(code, cls as ErrorClass);
}

/** Turns any thrown value into the wire form; unknown errors keep only their name and message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof PraasError) return error.toWire();
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message, details: { errorName: error.name } };
  return { code: 'INTERNAL', message: String(error) };
}

/**
 * Rebuilds an error from its wire form, as the class with that code where there is one, retryable
 * as the wire says, else as its code is. A code this version does not know (from a newer peer)
 * comes back as `INTERNAL`, the peer's code in `details.remoteCode`.
 */
export function fromWireError(wire: WireError): PraasError {
  const code: ErrorCode = isErrorCode(wire.code) ? wire.code : 'INTERNAL';
  const details = code === wire.code ? (wire.details ?? {}) : { ...wire.details, remoteCode: wire.code };
  // A peer's JSON may say anything here; only a boolean counts.
  const retryable = typeof wire.retryable === 'boolean' ? wire.retryable : retryableByDefault(code);
  const cls = CLASSES.get(code);
  const error: PraasError = cls
    ? (Object.create(cls.prototype as object) as PraasError)
    : new PraasError(code, wire.message);
  Object.defineProperties(error, {
    name: { value: cls ? cls.name : 'PraasError', writable: true, configurable: true },
    message: { value: wire.message, writable: true, configurable: true },
    code: { value: code, enumerable: true },
    details: { value: details, enumerable: true },
    retryable: { value: retryable, enumerable: true },
    stack: {
      value: `${cls ? cls.name : 'PraasError'}: ${wire.message}\n    (raised remotely)`,
      writable: true,
      configurable: true,
    },
  });
  return error;
}

import * as errors from './errors';
import { PraasError, type WireError } from './praas-error';

type ErrorClass = (new (...args: never[]) => PraasError) & { readonly code?: string };

/** Every error class by its code, so a receiver rebuilds the class the sender threw. */
const CLASSES = new Map<string, ErrorClass>();
for (const cls of Object.values(errors) as unknown[]) {
  if (
    typeof cls === 'function' &&
    cls.prototype instanceof PraasError &&
    typeof (cls as ErrorClass).code === 'string'
  ) {
    CLASSES.set((cls as ErrorClass).code!, cls as ErrorClass);
  }
}

const RETRYABLE_CODES = new Set(['TIMEOUT', 'UNAVAILABLE', 'PROCESS_UNAVAILABLE', 'SWAP_FAILED', 'NO_RESPONDERS']);

/** Turns any thrown value into the wire form; unknown errors keep only their name and message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof PraasError) return error.toWire();
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message, details: { errorName: error.name } };
  return { code: 'INTERNAL', message: String(error) };
}

/** Rebuilds an error from its wire form, as the class with that code where there is one. */
export function fromWireError(wire: WireError): PraasError {
  const cls = CLASSES.get(wire.code);
  const error: PraasError = cls
    ? (Object.create(cls.prototype as object) as PraasError)
    : new PraasError(wire.code, wire.message);
  Object.defineProperties(error, {
    name: { value: cls ? cls.name : 'PraasError', writable: true, configurable: true },
    message: { value: wire.message, writable: true, configurable: true },
    code: { value: wire.code, enumerable: true },
    details: { value: wire.details ?? {}, enumerable: true },
    retryable: { value: RETRYABLE_CODES.has(wire.code), enumerable: true },
    stack: {
      value: `${cls ? cls.name : 'PraasError'}: ${wire.message}\n    (raised remotely)`,
      writable: true,
      configurable: true,
    },
  });
  return error;
}

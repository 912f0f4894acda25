import { PraasError, type WireError } from '@praas/framework/internal';
import { errorStatusOf } from './error-status';

/** The HTTP status for an error code (`ERROR_STATUS`); 500 for a code this version does not know. */
export function httpStatusOf(code: string): number {
  return errorStatusOf(code).http;
}

/**
 * What a client may see of an error: the wire form of a PraasError; for anything else only the
 * code `INTERNAL` and a generic message (the error itself goes to the gateway's log, never a stack to the client).
 */
export function publicError(error: unknown): WireError {
  if (error instanceof PraasError) return error.toWire();
  return { code: 'INTERNAL', message: 'internal error in the gateway; its log has the cause', details: {} };
}

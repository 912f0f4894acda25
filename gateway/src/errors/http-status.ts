import { PraasError, type WireError } from '@praas/framework';

/** HTTP status per error code; codes not listed fall back by suffix, then to 500. */
const STATUS: Readonly<Record<string, number>> = {
  INVALID_NAME: 400,
  INVALID_ARGUMENT: 400,
  DECODE_FAILED: 400,
  ENCODE_FAILED: 400,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ALREADY_EXISTS: 409,
  DUPLICATE_MESSAGE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // The user's function threw: the gateway worked, the code behind it failed (as API gateways answer for FaaS errors).
  FUNCTION_FAILED: 502,
  // The deployed code cannot be loaded on the hosts: the gateway worked, the code behind it is broken (as FUNCTION_FAILED);
  // not 503, which invites a retry that cannot help until a fixed version is deployed.
  CODE_LOAD_FAILED: 502,
  PROCESS_UNAVAILABLE: 503,
  UNAVAILABLE: 503,
  NO_RESPONDERS: 503,
  SWAP_FAILED: 503,
  TIMEOUT: 504,
};

/** The HTTP status for an error code: the table above, `*_NOT_FOUND` → 404, anything else 500. */
export function httpStatusOf(code: string): number {
  return STATUS[code] ?? (code.endsWith('_NOT_FOUND') ? 404 : 500);
}

/**
 * What a client may see of an error: the wire form of a PraasError; for anything else only the
 * code `INTERNAL` and a generic message (the error itself goes to the gateway's log, never a stack to the client).
 */
export function publicError(error: unknown): WireError {
  if (error instanceof PraasError) return { code: error.code, message: error.message, details: error.details };
  return { code: 'INTERNAL', message: 'internal error in the gateway; its log has the cause', details: {} };
}

import { status } from '@grpc/grpc-js';

/** gRPC status per error code; codes not listed fall back by suffix, then to INTERNAL. */
const CODES: Readonly<Record<string, status>> = {
  INVALID_NAME: status.INVALID_ARGUMENT,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  DECODE_FAILED: status.INVALID_ARGUMENT,
  ENCODE_FAILED: status.INVALID_ARGUMENT,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  DUPLICATE_MESSAGE: status.ALREADY_EXISTS,
  PAYLOAD_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  TIMEOUT: status.DEADLINE_EXCEEDED,
  PROCESS_UNAVAILABLE: status.UNAVAILABLE,
  UNAVAILABLE: status.UNAVAILABLE,
  NO_RESPONDERS: status.UNAVAILABLE,
  SWAP_FAILED: status.UNAVAILABLE,
  // The user's function threw: an error from another address space, which gRPC calls UNKNOWN.
  FUNCTION_FAILED: status.UNKNOWN,
  // Not worth retrying until the system is fixed (a working version deployed): gRPC's FAILED_PRECONDITION.
  CODE_LOAD_FAILED: status.FAILED_PRECONDITION,
  SNAPSHOT_CORRUPT: status.DATA_LOSS,
};

/** The gRPC status code for an error code: the table above, `*_NOT_FOUND` → NOT_FOUND, anything else INTERNAL. */
export function grpcStatusOf(code: string): status {
  return CODES[code] ?? (code.endsWith('_NOT_FOUND') ? status.NOT_FOUND : status.INTERNAL);
}

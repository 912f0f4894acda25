import { status } from '@grpc/grpc-js';
import type { ErrorCode } from '@praas/framework/internal';

/** How the gateway answers an error of one code. */
export interface ErrorStatus {
  /** HTTP status of the REST answer. */
  readonly http: number;
  /** gRPC status code. */
  readonly grpc: status;
}

/**
 * The HTTP and gRPC status of every error code (DESIGN §4: only the gateway maps errors to
 * statuses, and here only). A `Record` over `ErrorCode`: a code added to the framework's
 * `ERROR_CODES` does not compile until it has its statuses here.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, ErrorStatus>> = {
  DECORATOR_USAGE: { http: 500, grpc: status.INTERNAL },
  INVALID_NAME: { http: 400, grpc: status.INVALID_ARGUMENT },
  INVALID_ARGUMENT: { http: 400, grpc: status.INVALID_ARGUMENT },
  ENCODE_FAILED: { http: 400, grpc: status.INVALID_ARGUMENT },
  DECODE_FAILED: { http: 400, grpc: status.INVALID_ARGUMENT },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: status.RESOURCE_EXHAUSTED },
  BUILD_FAILED: { http: 500, grpc: status.INTERNAL },
  APPLICATION_NOT_FOUND: { http: 404, grpc: status.NOT_FOUND },
  PROCESS_NOT_FOUND: { http: 404, grpc: status.NOT_FOUND },
  PROCESS_CLASS_NOT_FOUND: { http: 404, grpc: status.NOT_FOUND },
  FUNCTION_NOT_FOUND: { http: 404, grpc: status.NOT_FOUND },
  TIMER_NOT_FOUND: { http: 404, grpc: status.NOT_FOUND },
  ALREADY_EXISTS: { http: 409, grpc: status.ALREADY_EXISTS },
  DUPLICATE_MESSAGE: { http: 409, grpc: status.ALREADY_EXISTS },
  // The user's function threw: the gateway worked, the code behind it failed (as API gateways answer
  // for FaaS errors); gRPC calls an error from another address space UNKNOWN. Retryable or not, the
  // status is the same: `retryable` in the error body (and the praas-error-bin trailer) tells them apart.
  FUNCTION_FAILED: { http: 502, grpc: status.UNKNOWN },
  // The deployed code cannot be loaded on the hosts: the code behind the gateway is broken (as
  // FUNCTION_FAILED); not 503, which invites a retry that cannot help until a fixed version is
  // deployed, which is what gRPC's FAILED_PRECONDITION says.
  CODE_LOAD_FAILED: { http: 502, grpc: status.FAILED_PRECONDITION },
  SNAPSHOT_CORRUPT: { http: 500, grpc: status.DATA_LOSS },
  // State the code cannot take (a migration threw, or newer state than the code): as CODE_LOAD_FAILED,
  // the code behind the gateway cannot serve the process until other code is deployed.
  MIGRATION_FAILED: { http: 502, grpc: status.FAILED_PRECONDITION },
  STATE_VERSION_TOO_NEW: { http: 502, grpc: status.FAILED_PRECONDITION },
  TIMEOUT: { http: 504, grpc: status.DEADLINE_EXCEEDED },
  UNAVAILABLE: { http: 503, grpc: status.UNAVAILABLE },
  PROCESS_UNAVAILABLE: { http: 503, grpc: status.UNAVAILABLE },
  NO_RESPONDERS: { http: 503, grpc: status.UNAVAILABLE },
  HOST_FAILED: { http: 503, grpc: status.UNAVAILABLE },
  SWAP_FAILED: { http: 503, grpc: status.UNAVAILABLE },
  UNAUTHENTICATED: { http: 401, grpc: status.UNAUTHENTICATED },
  PERMISSION_DENIED: { http: 403, grpc: status.PERMISSION_DENIED },
  ROUTE_NOT_FOUND: { http: 404, grpc: status.NOT_FOUND },
  // REST only: gRPC has neither methods on a path nor media types.
  METHOD_NOT_ALLOWED: { http: 405, grpc: status.UNIMPLEMENTED },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: status.INVALID_ARGUMENT },
  // Raised by clients about answers that are not the gateway's; never by the gateway itself.
  UNEXPECTED_RESPONSE: { http: 502, grpc: status.UNKNOWN },
  INTERNAL: { http: 500, grpc: status.INTERNAL },
};

/** The statuses for an error code; a code this version does not know is answered as INTERNAL. */
export function errorStatusOf(code: string): ErrorStatus {
  return isKnown(code) ? ERROR_STATUS[code] : ERROR_STATUS.INTERNAL;
}

function isKnown(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

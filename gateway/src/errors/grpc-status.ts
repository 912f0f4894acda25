import type { status } from '@grpc/grpc-js';
import { errorStatusOf } from './error-status';

/** The gRPC status code for an error code (`ERROR_STATUS`); INTERNAL for a code this version does not know. */
export function grpcStatusOf(code: string): status {
  return errorStatusOf(code).grpc;
}

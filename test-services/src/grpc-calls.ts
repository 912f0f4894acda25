import assert from 'node:assert/strict';
import { status, type Client, type ServiceError } from '@grpc/grpc-js';
import { ERROR_METADATA_KEY } from '@praas/gateway';

type Callback = (error: ServiceError | null, response: unknown) => void;

/** Calls the unary method `method` of a client of the gateway's gRPC service. */
export function grpcUnary<T>(client: Client, method: string, request: object): Promise<T> {
  const fn = (client as unknown as Record<string, (r: object, cb: Callback) => void>)[method];
  if (!fn) throw new Error(`the gRPC client has no method '${method}'`);
  return new Promise((resolve, reject) => fn.call(client, request, (e, r) => (e ? reject(e) : resolve(r as T))));
}

/** JSON bytes, as the gateway's gRPC messages carry arguments and results. */
export const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

/** The value of JSON bytes; undefined for none. */
export const parseJsonBytes = (bytes: Buffer): unknown =>
  bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined;

/**
 * Asserts a gRPC call failed with this status and the PraaS error `praasCode` in the error
 * trailer, whose message is the status details and whose details are an object.
 */
export async function assertGrpcRejects(call: Promise<unknown>, code: status, praasCode: string): Promise<void> {
  await assert.rejects(call, (e: ServiceError) => {
    assert.equal(e.code, code, `${status[e.code]}: ${e.details}`);
    const [raw] = e.metadata.get(ERROR_METADATA_KEY);
    const wire = JSON.parse((raw as Buffer).toString('utf8')) as { code: string; message: string; details: object };
    assert.equal(wire.code, praasCode);
    assert.equal(wire.message, e.details);
    assert.equal(typeof wire.details, 'object');
    return true;
  });
}

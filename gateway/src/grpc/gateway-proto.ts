import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/**
 * Path of `praas.proto`, found from the package root (this file runs from `dist/src/grpc`), so it
 * works in the repository and in an installed package (the `proto` folder is in `files`).
 */
export const GATEWAY_PROTO_PATH = resolve(__dirname, '..', '..', '..', 'proto', 'praas.proto');

/** How the gateway loads the proto: camelCase fields, int64 as numbers, defaults filled in. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/**
 * Loads `praas.v1.Gateway` at run time: its service definition for a server, and its client
 * constructor (`new Gateway(address, credentials)`) for clients and tests.
 */
export function loadGatewayService(): ServiceClientConstructor {
  if (!existsSync(GATEWAY_PROTO_PATH))
    throw new Error(`praas.proto is missing at ${GATEWAY_PROTO_PATH}; the gateway package is incomplete`);
  const pkg = loadPackageDefinition(loadSync(GATEWAY_PROTO_PATH, PROTO_LOADER_OPTIONS));
  const v1 = (pkg['praas'] as GrpcObject)['v1'] as GrpcObject;
  return v1['Gateway'] as ServiceClientConstructor;
}

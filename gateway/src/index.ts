/** @praas/gateway — the control plane: applications, processes, placement and provisioning of runtime hosts. */
import 'reflect-metadata';

export { ControlPlane, type ControlPlaneOptions } from './control/control-plane';
export type { GatewayOperations } from './control/gateway-operations';
export { MeteredOperations } from './control/metered-operations';
export type { HostProvider, KnownProcessClass } from './provisioning/host-provider';
export { classForInvoke, functionsOf, type FunctionsByClass } from './control/invoke-routing';
export { pickLeastLoaded, HOST_STALE_MS } from './placement/least-loaded';
export { DownScalingPolicy, type DownScalingOptions, type SwapDecision } from './policy/down-scaling';
export { Gateway, type GatewayOptions, type GatewayStartOptions, type GatewayAddresses } from './gateway';
export {
  runGateway,
  type GatewayBackend,
  type GatewayBackendFactory,
  type RunGatewayOptions,
  type SignalSource,
} from './main';
export { parseGatewayConfig, parseByteSize, GATEWAY_USAGE, type GatewayConfig } from './config/gateway-config';
export { readTlsFiles, type GatewayTls } from './config/tls-files';
export { RestServer, type RestServerOptions } from './rest/rest-server';
export type { FrontEndOptions } from './config/front-end-options';
export { ROUTES, matchRoute, type RouteMatch, type RouteName } from './rest/routes';
export { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BUNDLE_LIMIT_BYTES } from './rest/body-reader';
export type { BundleStore } from './bundles/bundle-store';
export { S3BundleStore, bundleStoreFromEnv, type S3BundleStoreOptions } from './bundles/s3-bundle-store';
export { GrpcServer, type GrpcServerOptions, ERROR_METADATA_KEY } from './grpc/grpc-server';
export { loadGatewayService, GATEWAY_PROTO_PATH } from './grpc/gateway-proto';
export { httpStatusOf, publicError } from './errors/http-status';
export { grpcStatusOf } from './errors/grpc-status';
export { ERROR_STATUS, errorStatusOf, type ErrorStatus } from './errors/error-status';
export { RouteNotFoundError, MethodNotAllowedError, UnsupportedMediaTypeError } from './errors/gateway-errors';
export { toJsonValue, stringifyResult, MAX_JSON_DEPTH } from './json/json-mapping';
export {
  APP_FIELDS,
  PROCESS_FIELDS,
  PROCESS_PAGE_QUERY_FIELDS,
  PROCESS_PAGE_PARAMETERS,
  HOST_FIELDS,
  VERSIONS_FIELDS,
  VERSION_COUNT_FIELDS,
  UPGRADE_ERROR_FIELDS,
  UPGRADE_FAILURE_FIELDS,
  UPGRADE_REPORT_FIELDS,
  versionsJson,
  versionsMessage,
  appJson,
  processJson,
  hostJson,
  hostMessage,
  appMessage,
  processMessage,
  watchEventJson,
  watchEventMessage,
  restRecord,
  grpcRecord,
  CODE_LOAD_FAILURE_FIELDS,
  type FieldKind,
  type FieldTable,
  type RecordListKind,
  type RecordKind,
  type ScalarKind,
} from './records/record-fields';
export { GatewayMetrics, DEFAULT_SECONDS_BUCKETS, type GatewayMetricsOptions } from './metrics/gateway-metrics';
export { RegisteredHostProvider } from './provisioning/registered-host-provider';
export { natsBackend } from './backends/nats-backend';
export { GatewayAuth, type Principal, type TokenFileAuthOptions } from './auth/gateway-auth';
export { ROUTE_ACCESS, GRPC_METHOD_ROUTES, type Access, type GrpcMethod } from './auth/route-access';
export { parseScopes, allows, APP_RIGHTS, type AppRight, type Grants, type Scope } from './auth/scopes';
export {
  newToken,
  parseTokenFile,
  tokenDigest,
  TOKEN_PREFIX,
  type TokenEntry,
  type TokenFileContent,
  type LoadedToken,
} from './auth/token-file';
export { runTokenCommand, TOKEN_USAGE } from './auth/token-command';

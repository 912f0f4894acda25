/** @praas/gateway — the control plane: applications, processes, placement and provisioning of runtime hosts. */
import 'reflect-metadata';

export { ControlPlane, type ControlPlaneOptions } from './control/control-plane';
export type { GatewayOperations } from './control/gateway-operations';
export { MeteredOperations } from './control/metered-operations';
export type { HostProvider, KnownProcessClass } from './provisioning/host-provider';
export { classForInvoke, functionsOf, type FunctionsByClass } from './control/invoke-routing';
export { pickLeastLoaded, HOST_STALE_MS } from './placement/least-loaded';
export { DownScalingPolicy, decideSwaps, type DownScalingOptions, type SwapDecision } from './policy/down-scaling';
export { Gateway, type GatewayOptions, type GatewayStartOptions, type GatewayAddresses } from './gateway';
export {
  runGateway,
  type GatewayBackend,
  type GatewayBackendFactory,
  type RunGatewayOptions,
  type SignalSource,
} from './main';
export { parseGatewayConfig, parseByteSize, GATEWAY_USAGE, type GatewayConfig } from './config/gateway-config';
export { RestServer, type RestServerOptions } from './rest/rest-server';
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
  appJson,
  processJson,
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
  type ScalarKind,
} from './records/record-fields';
export { GatewayMetrics } from './metrics/gateway-metrics';
export { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics/metrics-registry';
export { Counter } from './metrics/counter';
export { Gauge, type GaugeOptions } from './metrics/gauge';
export { Histogram, type HistogramOptions, DEFAULT_SECONDS_BUCKETS } from './metrics/histogram';
export type { Metric, MetricOptions } from './metrics/metric';
export type { Labels } from './metrics/labels';
export { RegisteredHostProvider } from './provisioning/registered-host-provider';
export { natsBackend } from './backends/nats-backend';

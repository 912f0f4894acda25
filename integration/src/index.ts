/** Test services for end-to-end suites and benchmarks: real nats-server and S3 endpoints. */
export {
  startS3,
  startS3rver,
  startTcpProxy,
  dockerAvailable,
  startNats,
  startNatsCluster,
  freePort,
  startRedis,
  type S3Service,
  type TcpProxy,
  type NatsService,
  type NatsCluster,
  type NatsClusterNode,
  type StartNatsOptions,
  type RedisService,
} from '@praas/test-services';
export {
  spawnHost,
  FAST_FAILURE_ENV,
  type HostEntry,
  type HostProcess,
  type SpawnHostOptions,
} from './services/host-process';
export { HostControl } from './services/host-control';
export {
  spawnGateway,
  makeTestTokens,
  type GatewayProcess,
  type SpawnGatewayOptions,
  type TestTokens,
} from './services/gateway-process';
export * from './fixtures';
export { bearerInterceptor } from './services/grpc-auth';
export { openControlSide, type ControlSide } from './services/control-side';
export { s3Environment } from './services/s3-env';
export { natsForSuite, type SuiteNats } from './services/suite-nats';
export { natsHostsForSuite, type NatsHostsSuite } from './services/nats-hosts-suite';
export { CHROMIUM_PATH, chromiumMissing, launchChromium, type HeadlessChromium } from './services/chromium';
export {
  startStack,
  type Stack,
  type StackOptions,
  type StackHostOptions,
  type StackGatewayOptions,
} from './services/stack';
export { bucketStore, freshBucket, freshStore, removeStore, s3Client, stopS3 } from './services/s3-buckets';
export { Traffic, assertDelivered, type DeliveryCheck, type TrafficOptions } from './services/chaos-traffic';

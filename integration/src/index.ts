/** Test services for end-to-end suites and benchmarks: real nats-server and S3 endpoints. */
export {
  startS3,
  startS3rver,
  startTcpProxy,
  dockerAvailable,
  startNats,
  freePort,
  startRedis,
  type S3Service,
  type TcpProxy,
  type NatsService,
  type StartNatsOptions,
  type RedisService,
} from '@praas/test-services';
export { spawnHost, FAST_FAILURE_ENV, type HostProcess, type SpawnHostOptions } from './services/host-process';
export { HostControl } from './services/host-control';
export { spawnGateway, type GatewayProcess, type SpawnGatewayOptions } from './services/gateway-process';
export * from './fixtures';

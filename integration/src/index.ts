/** Test services for end-to-end suites and benchmarks: real nats-server and S3 endpoints. */
export { startS3, startS3rver, type S3Service } from './services/s3';
export { startTcpProxy, type TcpProxy } from './services/tcp-proxy';
export { dockerAvailable } from './services/docker-available';
export { startNats, type NatsService, type StartNatsOptions } from './services/nats-server';
export { freePort } from './services/free-port';
export { startRedis, type RedisService } from './services/redis';
export { spawnHost, type HostProcess, type SpawnHostOptions } from './services/host-process';
export { HostControl } from './services/host-control';
export { spawnGateway, type GatewayProcess, type SpawnGatewayOptions } from './services/gateway-process';
export {
  MAILBOX_FIXTURE_MODULE,
  Sender,
  Receiver,
  type SendManyArgs,
  type AskArgs,
  type PingPongArgs,
  LEDGER_FIXTURE_MODULE,
  Ledger,
  STACK_FIXTURE_MODULE,
  Tally,
  Dozer,
  Journal,
} from './fixtures';

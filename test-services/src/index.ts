/**
 * Real services for tests and benchmarks (DESIGN §9): nats-server, an S3 endpoint (an external one,
 * MinIO in a container, or s3rver in process), Redis, free loopback ports and a cuttable TCP proxy.
 * Each starter uses what the environment names first (PRAAS_NATS_URL, PRAAS_S3_ENDPOINT,
 * PRAAS_REDIS_URL) and cleans up only what it started.
 */
export { startS3, startS3rver, type S3Service } from './s3';
export { s3rverAtomicPuts } from './s3rver-atomic-puts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { dockerAvailable } from './docker-available';
export { startNats, type NatsService, type StartNatsOptions } from './nats-server';
export { startNatsCluster, type NatsCluster, type NatsClusterNode, type StartNatsClusterOptions } from './nats-cluster';
export { freePort } from './free-port';
export { startRedis, type RedisService } from './redis';
export { http, type HttpResult, type HttpRequestOptions } from './http-request';
export { FuzzGenerator, type FuzzRequest } from './fuzz-generator';
export { rawGarbage, fuzzGateway, type FuzzGatewayOptions, type FuzzGatewayReport } from './fuzz-gateway';
export { startRegistry, type RegistryService } from './verdaccio';
export { grpcUnary, jsonBytes, parseJsonBytes, assertGrpcRejects } from './grpc-calls';

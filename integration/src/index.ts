/** Test services for end-to-end suites and benchmarks: real nats-server and S3 endpoints. */
export { startNats, type NatsService, type StartNatsOptions } from './services/nats-server';
export { freePort } from './services/free-port';

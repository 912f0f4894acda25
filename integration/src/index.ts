/** Test services for end-to-end suites and benchmarks: real nats-server and S3 endpoints. */
export { startS3, startS3rver, type S3Service } from './services/s3';
export { startTcpProxy, type TcpProxy } from './services/tcp-proxy';
export { dockerAvailable } from './services/docker-available';

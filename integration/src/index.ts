/** Test services for end-to-end suites and benchmarks: real nats-server and S3 endpoints. */
export {};

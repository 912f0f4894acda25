/**
 * What the samples share, kept out of test-services so that a sample depends on nothing built
 * for the repository's own tests.
 */
export { mulberry32, mixSeed, gaussian } from './prng';
export { S3Bucket, type S3BucketOptions } from './s3-bucket';
export { runDemoScript, type DemoStack } from './demo-script';

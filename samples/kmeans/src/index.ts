/**
 * Distributed k-means (LambdaML style) on PraaS: KMeansWorker processes all-reduce their partial
 * sums through a multi-source function of a Reducer process; Redis and S3 variants for comparison.
 */
export { mulberry32, mixSeed, gaussian } from '@praas/samples-shared';
export { HIGGS_FEATURES, blobCentres, featuresOf, generateRows, shardRange, type DatasetSpec } from './dataset';
export {
  accumulatePartial,
  initialCentroids,
  packedLength,
  partialSums,
  reduceParts,
  referenceKMeans,
  updateCentroids,
  type KMeansOutcome,
  type WorkerPart,
} from './kmeans-math';
export { KMeansWorker, type StepReport, type WorkerConfig } from './kmeans-worker.process';
export { DEFAULT_WORKERS, Reducer, reducerClassName, reducerFor, type ReducerContribution } from './reducer.process';
export {
  kmeansProcesses,
  resolveOptions,
  runKMeans,
  type KMeansHooks,
  type KMeansOptions,
  type KMeansRun,
} from './run-kmeans';
export { partBytes, partFromBytes, runKMeansWithExchange, type PartialExchange } from './exchange';
export { RedisExchange, runKMeansRedis, type RedisExchangeOptions } from './redis-exchange';
export { S3Exchange, runKMeansS3, type S3ExchangeOptions } from './s3-exchange';
export { S3Bucket, type S3BucketOptions } from '@praas/samples-shared';

import { InvalidArgumentError, s3ConfigFromEnv, type Logger } from '@praas/framework/internal';
import { FsSwapStore } from './fs/fs-swap-store';
import { S3SwapStore, type S3SwapStoreOptions } from './s3/s3-swap-store';
import type { SwapStore } from './swap-store';

/** What a host hands the S3 store {@link swapStoreFromEnv} builds. */
export interface SwapStoreFromEnvOptions {
  /** Where its retries are logged (the host's logger); see {@link S3SwapStoreOptions.logger}. */
  readonly logger?: Logger;
  /** Told of its retries and failures (the host's metrics). */
  readonly observer?: S3SwapStoreOptions['observer'];
}

/**
 * Builds the swap store a deployment configures through the environment:
 * - `PRAAS_S3_ENDPOINT` (a URL such as `http://minio:9000`) with `PRAAS_S3_ACCESS_KEY`,
 *   `PRAAS_S3_SECRET_KEY`, `PRAAS_S3_BUCKET` (default `praas`) and `PRAAS_S3_REGION` (optional)
 *   gives an S3SwapStore, which logs its retries to `options.logger`;
 * - otherwise `PRAAS_SWAP_DIR` gives an FsSwapStore on that directory.
 * Throws InvalidArgumentError when neither is set or the S3 settings are incomplete.
 * @example
 * ```ts
 * const host = new RuntimeHost({ app, processes, transport, registry, store: swapStoreFromEnv() });
 * ```
 */
export function swapStoreFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: SwapStoreFromEnvOptions = {},
): SwapStore {
  const s3 = s3ConfigFromEnv(env);
  if (s3) return new S3SwapStore({ ...s3, ...options });
  const dir = env['PRAAS_SWAP_DIR'];
  if (dir) return new FsSwapStore(dir);
  throw new InvalidArgumentError(
    'no swap store configured: set PRAAS_S3_ENDPOINT (with PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY) or PRAAS_SWAP_DIR',
  );
}

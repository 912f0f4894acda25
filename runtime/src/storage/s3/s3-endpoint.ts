import { InvalidArgumentError, parseS3Endpoint, type S3Endpoint } from '@praas/framework/internal';
import type { S3SwapStoreOptions } from './s3-swap-store';

/** Host, port and scheme of the store's endpoint, from a URL or from the minio-style fields. */
export function parseEndpoint(options: S3SwapStoreOptions): S3Endpoint {
  if (options.endpoint !== undefined) return parseS3Endpoint(options.endpoint);
  if (!options.endPoint) {
    throw new InvalidArgumentError('S3SwapStore needs an endpoint: pass `endpoint` (a URL) or `endPoint` (a host)');
  }
  const useSSL = options.useSSL ?? false;
  return { host: options.endPoint, port: options.port ?? (useSSL ? 443 : 80), useSSL };
}

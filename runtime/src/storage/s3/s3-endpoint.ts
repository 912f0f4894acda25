import { InvalidArgumentError } from '@praas/framework';
import type { S3SwapStoreOptions } from './s3-swap-store';

/** Host, port and scheme of an S3 endpoint, from a URL or from the minio-style fields. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly useSSL: boolean;
}

export function parseEndpoint(options: S3SwapStoreOptions): Endpoint {
  if (options.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new InvalidArgumentError(
        `S3 endpoint ${JSON.stringify(options.endpoint)} is not a URL; expected e.g. http://127.0.0.1:9000`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidArgumentError(`S3 endpoint ${options.endpoint} must use http: or https:, not ${url.protocol}`);
    }
    if (url.pathname !== '/' && url.pathname !== '') {
      throw new InvalidArgumentError(`S3 endpoint ${options.endpoint} must not have a path; name the bucket apart`);
    }
    const useSSL = url.protocol === 'https:';
    return { host: url.hostname, port: url.port ? Number(url.port) : useSSL ? 443 : 80, useSSL };
  }
  if (!options.endPoint) {
    throw new InvalidArgumentError('S3SwapStore needs an endpoint: pass `endpoint` (a URL) or `endPoint` (a host)');
  }
  const useSSL = options.useSSL ?? false;
  return { host: options.endPoint, port: options.port ?? (useSSL ? 443 : 80), useSSL };
}

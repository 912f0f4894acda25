import { InvalidArgumentError } from '../errors';

/** The bucket gateways and runtime hosts share when PRAAS_S3_BUCKET is unset. */
export const DEFAULT_S3_BUCKET = 'praas';

/** Where swapped state and deployed code live: an S3 endpoint (MinIO or any S3) and a bucket. */
export interface S3Config {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly region?: string;
}

/**
 * Reads the S3 settings every component takes from its environment: PRAAS_S3_ENDPOINT,
 * PRAAS_S3_ACCESS_KEY, PRAAS_S3_SECRET_KEY, PRAAS_S3_BUCKET (default `praas`), PRAAS_S3_REGION.
 * @returns undefined when no endpoint is set.
 * @throws InvalidArgumentError when the endpoint is set without both keys.
 */
export function s3ConfigFromEnv(env: Readonly<Record<string, string | undefined>>): S3Config | undefined {
  const endpoint = env['PRAAS_S3_ENDPOINT']?.trim();
  if (!endpoint) return undefined;
  const accessKey = env['PRAAS_S3_ACCESS_KEY'];
  const secretKey = env['PRAAS_S3_SECRET_KEY'];
  if (!accessKey || !secretKey) {
    throw new InvalidArgumentError(
      `PRAAS_S3_ENDPOINT is set to ${endpoint} but PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY are not both set`,
      { variable: 'PRAAS_S3_ACCESS_KEY' },
    );
  }
  const region = env['PRAAS_S3_REGION'];
  return {
    endpoint,
    accessKey,
    secretKey,
    bucket: env['PRAAS_S3_BUCKET'] || DEFAULT_S3_BUCKET,
    ...(region ? { region } : {}),
  };
}

/** Host, port and scheme of an S3 endpoint. */
export interface S3Endpoint {
  readonly host: string;
  readonly port: number;
  readonly useSSL: boolean;
}

/**
 * Parses an S3 endpoint URL (`http://127.0.0.1:9000`, `https://s3.example.com`); the port
 * defaults to the scheme's.
 * @throws InvalidArgumentError when it is not an http(s) URL, or has a path (the bucket is named apart).
 */
export function parseS3Endpoint(endpoint: string): S3Endpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidArgumentError(
      `S3 endpoint ${JSON.stringify(endpoint)} is not a URL; expected e.g. http://127.0.0.1:9000`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`S3 endpoint ${endpoint} must use http: or https:, not ${url.protocol}`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new InvalidArgumentError(`S3 endpoint ${endpoint} must not have a path; name the bucket apart`);
  }
  const useSSL = url.protocol === 'https:';
  return { host: url.hostname, port: url.port ? Number(url.port) : useSSL ? 443 : 80, useSSL };
}

/** What the minio client is given to reach an S3 endpoint the way every PraaS component does. */
export interface S3ClientSettings {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  /** Path-style requests: MinIO, s3rver and any S3 take them, without a DNS name per bucket. */
  readonly pathStyle: true;
}

/**
 * The minio client settings for `config` (path-style; region `us-east-1` unless it names one).
 * @example
 * ```ts
 * const client = new Client({ ...s3ClientSettings(config), transportAgent: agent });
 * ```
 * @throws InvalidArgumentError as {@link parseS3Endpoint}.
 */
export function s3ClientSettings(config: Omit<S3Config, 'bucket'>): S3ClientSettings {
  const { host, port, useSSL } = parseS3Endpoint(config.endpoint);
  return {
    endPoint: host,
    port,
    useSSL,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: config.region ?? 'us-east-1',
    pathStyle: true,
  };
}

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

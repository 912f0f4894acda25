import type { S3Service } from '@praas/test-services';

/** The environment that points a runtime host or a gateway at `bucket` on `s3`. */
export function s3Environment(s3: S3Service, bucket: string): Record<string, string> {
  return {
    PRAAS_S3_ENDPOINT: s3.endpoint,
    PRAAS_S3_ACCESS_KEY: s3.accessKey,
    PRAAS_S3_SECRET_KEY: s3.secretKey,
    PRAAS_S3_BUCKET: bucket,
  };
}

/**
 * The images of the services the local stack (docker-compose.yml) and the Kubernetes manifests
 * (`--with-services`) run, pinned: a stack comes up the same way every time. The compose file names
 * the same tags; a test holds the two together.
 */
export const SERVICE_IMAGES = {
  nats: 'nats:2.10.24-alpine',
  minio: 'minio/minio:RELEASE.2024-08-29T01-40-52Z',
  mc: 'minio/mc:RELEASE.2024-11-21T17-21-54Z',
} as const;

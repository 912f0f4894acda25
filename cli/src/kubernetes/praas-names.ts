/** Ports and paths the framework's containers serve; the compose file and the manifests agree. */
export const PORTS = {
  http: 8080,
  grpc: 50051,
  hostHealth: 8081,
  /** The runtime hosts' direct data plane (DESIGN §5a). */
  hostData: 7400,
  nats: 4222,
  natsMonitor: 8222,
  s3: 9000,
} as const;

/**
 * The names of an application's Kubernetes objects. Each starts with the application's name, so
 * two applications deployed into one namespace never overwrite each other's objects.
 */
export function praasNames(app: string) {
  return {
    config: `${app}-praas-config`,
    gateway: `${app}-gateway`,
    hosts: `${app}-host`,
    /** Created by the user (kubectl create secret): S3 keys and the data-plane secret. */
    secret: `${app}-praas-secrets`,
    /** Created by the user: the gateway's token file, `tokens.json`. */
    tokens: `${app}-praas-tokens`,
    /**
     * Created by the user (`praas-framework nats secret`): the NATS users' configuration (`nats.conf`,
     * mounted by the bundled NATS) and the gateway's and the hosts' credentials.
     */
    natsUsers: `${app}-praas-nats`,
    nats: `${app}-nats`,
    minio: `${app}-minio`,
    bucketJob: `${app}-bucket`,
  } as const;
}

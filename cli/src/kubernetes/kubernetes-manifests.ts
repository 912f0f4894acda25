import { minio, nats, natsCluster, natsClusterUrls } from './bundled-services';
import {
  deployment,
  disruptionBudget,
  httpProbe,
  memoryBytes,
  metadata,
  natsCredentialsEnv,
  podTemplate,
  resources,
  service,
  TMP_MOUNT,
  TMP_VOLUME,
  type Obj,
} from './kubernetes-objects';
import { PORTS, praasNames } from './praas-names';

export interface KubernetesOptions {
  /** Application name; every object's name starts with it. */
  readonly app: string;
  /** Image of the application's runtime hosts (built from the project's dist/Dockerfile). */
  readonly image: string;
  /** Image of the gateway (built from the framework's root Dockerfile). */
  readonly gatewayImage: string;
  /** Runtime host replicas. */
  readonly replicas: number;
  /** Gateway replicas (default 1); gateways are stateless, so any number can serve side by side. */
  readonly gatewayReplicas?: number;
  /** Memory limit of a runtime host container (default `1Gi`); its memory budget follows it. */
  readonly hostMemory?: string;
  /** PRAAS_NATS_URL: one server, or the comma-separated seed URLs of a cluster. */
  readonly natsUrl: string;
  /** PRAAS_NATS_REPLICAS: JetStream replicas of the registry and backup streams (default 1; 3 with `natsCluster`). */
  readonly natsReplicas?: number;
  readonly s3Endpoint: string;
  readonly s3Bucket: string;
  /** Also write a single-node NATS (JetStream) and MinIO with a bucket job (credentials from the Secret). */
  readonly services?: boolean;
  /** With `services`: a three-node NATS cluster instead of a single node; the pods get its seed URLs and replicas 3. */
  readonly natsCluster?: boolean;
}

/** The host's memory budget as a share of its container's limit: it swaps processes out before the limit kills it. */
export const MEMORY_BUDGET_SHARE = 0.8;
const DEFAULT_HOST_MEMORY = '1Gi';

/** Where the gateway finds the token file of the Secret it mounts. */
const TOKENS_DIR = '/run/praas/tokens';

/** The PRAAS_* settings shared by gateways and runtime hosts; credentials live in the application's Secret. */
function configMap(o: KubernetesOptions): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(praasNames(o.app).config, 'config', o.app),
    data: {
      PRAAS_NATS_URL: o.services && o.natsCluster ? natsClusterUrls(o.app) : o.natsUrl,
      PRAAS_NATS_REPLICAS: String(o.natsReplicas ?? (o.services && o.natsCluster ? 3 : 1)),
      PRAAS_S3_ENDPOINT: o.s3Endpoint,
      PRAAS_S3_BUCKET: o.s3Bucket,
      PRAAS_HTTP_PORT: String(PORTS.http),
      PRAAS_GRPC_PORT: String(PORTS.grpc),
      PRAAS_HEALTH_PORT: String(PORTS.hostHealth),
      PRAAS_DATA_PORT: String(PORTS.hostData),
    },
  };
}

/** Settings from the ConfigMap; S3 keys and PRAAS_DATA_SECRET from the Secret the user created. */
function envFrom(app: string): Obj[] {
  const names = praasNames(app);
  return [{ configMapRef: { name: names.config } }, { secretRef: { name: names.secret } }];
}

function gateway(o: KubernetesOptions): Obj[] {
  const names = praasNames(o.app);
  const container: Obj = {
    name: 'gateway',
    image: o.gatewayImage,
    command: ['praas-framework', 'gateway'],
    ports: [
      { name: 'http', containerPort: PORTS.http, protocol: 'TCP' },
      { name: 'grpc', containerPort: PORTS.grpc, protocol: 'TCP' },
    ],
    // Callers need a token from the mounted file; the gateway rereads it when the Secret changes.
    env: [
      { name: 'PRAAS_TOKENS_FILE', value: `${TOKENS_DIR}/tokens.json` },
      // Its NATS user: every application's subjects, no others (praas-framework nats secret).
      ...natsCredentialsEnv(names.natsUsers, 'gateway'),
    ],
    envFrom: envFrom(o.app),
    volumeMounts: [{ name: 'tokens', mountPath: TOKENS_DIR, readOnly: true }, TMP_MOUNT],
    readinessProbe: httpProbe('/healthz', 'http', 2, 5, 3),
    livenessProbe: httpProbe('/healthz', 'http', 10, 10, 3),
    resources: resources('100m', '128Mi', '1', '512Mi'),
  };
  const volumes = [{ name: 'tokens', secret: { secretName: names.tokens } }, TMP_VOLUME];
  return [
    deployment(
      names.gateway,
      'gateway',
      o.app,
      o.gatewayReplicas ?? 1,
      podTemplate('gateway', o.app, container, true, { volumes }),
    ),
    service(names.gateway, 'gateway', o.app, [
      { name: 'http', port: PORTS.http },
      { name: 'grpc', port: PORTS.grpc },
    ]),
    disruptionBudget(names.gateway, 'gateway', o.app),
  ];
}

function hosts(o: KubernetesOptions): Obj[] {
  const names = praasNames(o.app);
  const memoryLimit = o.hostMemory ?? DEFAULT_HOST_MEMORY;
  const limitBytes = memoryBytes(memoryLimit);
  if (limitBytes === undefined) throw new TypeError(`not a memory quantity: '${memoryLimit}'`);
  // The image's CMD (from `praas-framework build`) runs `praas-framework host --module <entry>`;
  // the host answers GET /healthz on PRAAS_HEALTH_PORT: 200 while serving, 503 while it is not
  // connected to NATS, starting or stopping, or cannot load its deployed code. Other hosts and the
  // gateway dial its data port at the pod IP it advertises (the downward API).
  const container: Obj = {
    name: 'host',
    image: o.image,
    ports: [
      { name: 'health', containerPort: PORTS.hostHealth, protocol: 'TCP' },
      { name: 'data', containerPort: PORTS.hostData, protocol: 'TCP' },
    ],
    env: [
      { name: 'PRAAS_APP', value: o.app },
      { name: 'PRAAS_ADVERTISE_ADDR', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      // Above this the host swaps its processes out, before the container's limit kills it.
      { name: 'PRAAS_MEMORY_BUDGET_BYTES', value: String(Math.floor(limitBytes * MEMORY_BUDGET_SHARE)) },
      // The application's NATS user: only its subjects, backup stream and registry keys.
      ...natsCredentialsEnv(names.natsUsers, 'host'),
    ],
    envFrom: envFrom(o.app),
    // Deployed code is unpacked under /tmp (PRAAS_CODE_DIR's default); the root file system stays read-only.
    volumeMounts: [TMP_MOUNT],
    readinessProbe: httpProbe('/healthz', 'health', 2, 5, 3),
    livenessProbe: httpProbe('/healthz', 'health', 15, 10, 3),
    resources: resources('250m', limitBytes < 2 ** 28 ? memoryLimit : '256Mi', '2', memoryLimit),
  };
  // On SIGTERM a host swaps its processes out before it exits; give it time to upload their state.
  const pod = { terminationGracePeriodSeconds: 120, volumes: [TMP_VOLUME] };
  return [
    deployment(
      names.hosts,
      'runtime-host',
      o.app,
      o.replicas,
      podTemplate('runtime-host', o.app, container, true, pod),
    ),
    disruptionBudget(names.hosts, 'runtime-host', o.app),
  ];
}

/**
 * The Kubernetes objects of an application's PraaS deployment, by file name: its ConfigMap, its
 * gateway Deployment, Service and PodDisruptionBudget, its runtime host Deployment and budget, and
 * with `services` NATS (a single node, or with `natsCluster` a three-node cluster) and MinIO. No Secret is written: the objects reference the
 * application's Secrets (`praasNames(app).secret` and `.tokens`), which the user creates.
 */
export function kubernetesManifests(o: KubernetesOptions): Map<string, Obj[]> {
  const files = new Map<string, Obj[]>([
    [`${o.app}-config.yaml`, [configMap(o)]],
    [`${o.app}-gateway.yaml`, gateway(o)],
    [`${o.app}-hosts.yaml`, hosts(o)],
  ]);
  if (o.services) {
    files.set(`${o.app}-nats.yaml`, o.natsCluster ? natsCluster(o.app) : nats(o.app));
    files.set(`${o.app}-minio.yaml`, minio(o.app));
  }
  return files;
}

import type { YamlValue } from '../yaml';

/** Ports and paths the framework's containers serve; the compose file and these manifests agree. */
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

export interface KubernetesOptions {
  /** Application name; names the hosts' Deployment. */
  readonly app: string;
  /** Image of the application's runtime hosts (built from the project's dist/Dockerfile). */
  readonly image: string;
  /** Image of the gateway (built from the framework's root Dockerfile). */
  readonly gatewayImage: string;
  /** Runtime host replicas. */
  readonly replicas: number;
  readonly natsUrl: string;
  readonly s3Endpoint: string;
  readonly s3Bucket: string;
  /**
   * Also write a single-node NATS (JetStream) and MinIO with a bucket job, and the S3 Secret with
   * these credentials; without it both services and the `praas-s3` Secret must already exist.
   */
  readonly services?: { readonly s3AccessKey: string; readonly s3SecretKey: string };
}

type Obj = { [key: string]: YamlValue };

const CONFIG = 'praas-config';
const S3_SECRET = 'praas-s3';

function labels(component: string, app?: string): Obj {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/part-of': 'praas',
    ...(app === undefined ? {} : { 'app.kubernetes.io/instance': app }),
  };
}

function metadata(name: string, component: string, app?: string): Obj {
  return { name, labels: labels(component, app) };
}

function httpProbe(port: string, initialDelaySeconds: number, periodSeconds: number, failureThreshold: number): Obj {
  return {
    httpGet: { path: '/healthz', port },
    initialDelaySeconds,
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  };
}

function resources(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Obj {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

const ENV_FROM: YamlValue = [{ configMapRef: { name: CONFIG } }, { secretRef: { name: S3_SECRET } }];

function deployment(
  name: string,
  component: string,
  app: string | undefined,
  replicas: number,
  container: Obj,
  extra: Obj = {},
): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name, component, app),
    spec: {
      replicas,
      selector: { matchLabels: labels(component, app) },
      template: {
        metadata: { labels: labels(component, app) },
        spec: { ...extra, containers: [container] },
      },
    },
  };
}

function service(name: string, component: string, ports: { name: string; port: number }[], app?: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name, component, app),
    spec: {
      type: 'ClusterIP',
      selector: labels(component, app),
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
    },
  };
}

/** The PRAAS_* settings shared by gateways and runtime hosts; credentials live in the `praas-s3` Secret. */
function configMap(o: KubernetesOptions): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(CONFIG, 'config'),
    data: {
      PRAAS_NATS_URL: o.natsUrl,
      PRAAS_S3_ENDPOINT: o.s3Endpoint,
      PRAAS_S3_BUCKET: o.s3Bucket,
      PRAAS_HTTP_PORT: String(PORTS.http),
      PRAAS_GRPC_PORT: String(PORTS.grpc),
      PRAAS_HEALTH_PORT: String(PORTS.hostHealth),
      PRAAS_DATA_PORT: String(PORTS.hostData),
    },
  };
}

function gateway(o: KubernetesOptions): Obj[] {
  const container: Obj = {
    name: 'gateway',
    image: o.gatewayImage,
    command: ['praas-framework', 'gateway'],
    ports: [
      { name: 'http', containerPort: PORTS.http, protocol: 'TCP' },
      { name: 'grpc', containerPort: PORTS.grpc, protocol: 'TCP' },
    ],
    envFrom: ENV_FROM,
    readinessProbe: httpProbe('http', 2, 5, 3),
    livenessProbe: httpProbe('http', 10, 10, 3),
    resources: resources('100m', '128Mi', '1', '512Mi'),
  };
  return [
    deployment('praas-gateway', 'gateway', undefined, 1, container),
    service('praas-gateway', 'gateway', [
      { name: 'http', port: PORTS.http },
      { name: 'grpc', port: PORTS.grpc },
    ]),
  ];
}

function hosts(o: KubernetesOptions): Obj[] {
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
    ],
    envFrom: ENV_FROM,
    readinessProbe: httpProbe('health', 2, 5, 3),
    livenessProbe: httpProbe('health', 15, 10, 3),
    resources: resources('250m', '256Mi', '2', '1Gi'),
  };
  // On SIGTERM a host swaps its processes out before it exits; give it time to upload their state.
  return [
    deployment(`${o.app}-host`, 'runtime-host', o.app, o.replicas, container, { terminationGracePeriodSeconds: 120 }),
  ];
}

function s3Secret(accessKey: string, secretKey: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(S3_SECRET, 'config'),
    type: 'Opaque',
    stringData: { PRAAS_S3_ACCESS_KEY: accessKey, PRAAS_S3_SECRET_KEY: secretKey },
  };
}

function statefulSet(name: string, container: Obj, storage: string): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(name, name),
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: labels(name) },
      template: { metadata: { labels: labels(name) }, spec: { containers: [container] } },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
        },
      ],
    },
  };
}

function nats(): Obj[] {
  const container: Obj = {
    name: 'nats',
    image: 'nats:2.10-alpine',
    args: ['-js', '-sd', '/data', '-m', String(PORTS.natsMonitor)],
    ports: [
      { name: 'client', containerPort: PORTS.nats, protocol: 'TCP' },
      { name: 'monitor', containerPort: PORTS.natsMonitor, protocol: 'TCP' },
    ],
    volumeMounts: [{ name: 'data', mountPath: '/data' }],
    readinessProbe: httpProbe('monitor', 2, 5, 3),
    livenessProbe: httpProbe('monitor', 10, 10, 3),
    resources: resources('100m', '128Mi', '1', '1Gi'),
  };
  return [
    statefulSet('nats', container, '5Gi'),
    service('nats', 'nats', [
      { name: 'client', port: PORTS.nats },
      { name: 'monitor', port: PORTS.natsMonitor },
    ]),
  ];
}

function minio(): Obj[] {
  const fromSecret = (key: string): Obj => ({ valueFrom: { secretKeyRef: { name: S3_SECRET, key } } });
  const credentials: YamlValue = [
    { name: 'MINIO_ROOT_USER', ...fromSecret('PRAAS_S3_ACCESS_KEY') },
    { name: 'MINIO_ROOT_PASSWORD', ...fromSecret('PRAAS_S3_SECRET_KEY') },
  ];
  const container: Obj = {
    name: 'minio',
    image: 'minio/minio',
    args: ['server', '/data'],
    env: credentials,
    ports: [{ name: 's3', containerPort: PORTS.s3, protocol: 'TCP' }],
    volumeMounts: [{ name: 'data', mountPath: '/data' }],
    readinessProbe: { httpGet: { path: '/minio/health/ready', port: 's3' }, periodSeconds: 5, timeoutSeconds: 2 },
    livenessProbe: { httpGet: { path: '/minio/health/live', port: 's3' }, initialDelaySeconds: 10, periodSeconds: 10 },
    resources: resources('100m', '256Mi', '1', '1Gi'),
  };
  const bucketJob: Obj = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata('praas-bucket', 'bucket-init'),
    spec: {
      backoffLimit: 10,
      template: {
        metadata: { labels: labels('bucket-init') },
        spec: {
          restartPolicy: 'OnFailure',
          containers: [
            {
              name: 'mc',
              image: 'minio/mc',
              command: ['/bin/sh', '-c'],
              args: [
                `mc alias set praas "$PRAAS_S3_ENDPOINT" "$PRAAS_S3_ACCESS_KEY" "$PRAAS_S3_SECRET_KEY" && mc mb --ignore-existing "praas/$PRAAS_S3_BUCKET"`,
              ],
              envFrom: ENV_FROM,
              resources: resources('50m', '64Mi', '500m', '256Mi'),
            },
          ],
        },
      },
    },
  };
  return [
    statefulSet('minio', container, '10Gi'),
    service('minio', 'minio', [{ name: 's3', port: PORTS.s3 }]),
    bucketJob,
  ];
}

/**
 * The Kubernetes objects of a PraaS deployment, by file name: ConfigMap, gateway Deployment and
 * Service, runtime host Deployment, and with `services` a single-node NATS and MinIO.
 */
export function kubernetesManifests(o: KubernetesOptions): Map<string, Obj[]> {
  const files = new Map<string, Obj[]>([
    ['praas-config.yaml', [configMap(o)]],
    ['praas-gateway.yaml', gateway(o)],
    [`${o.app}-hosts.yaml`, hosts(o)],
  ]);
  if (o.services) {
    files.set('praas-s3-secret.yaml', [s3Secret(o.services.s3AccessKey, o.services.s3SecretKey)]);
    files.set('nats.yaml', nats());
    files.set('minio.yaml', minio());
  }
  return files;
}

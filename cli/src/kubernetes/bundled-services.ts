import type { YamlValue } from '../yaml';
import * as k8s from './kubernetes-objects';
import type { Obj } from './kubernetes-objects';
import { PORTS, praasNames } from './praas-names';
import { SERVICE_IMAGES } from './service-images';

/** A StatefulSet (one replica by default) with a data volume, unprivileged like the framework's own pods. */
function statefulSet(name: string, component: string, app: string, container: Obj, storage: string, replicas = 1): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: k8s.metadata(name, component, app),
    spec: {
      serviceName: name,
      replicas,
      selector: { matchLabels: k8s.labels(component, app) },
      template: {
        metadata: { labels: k8s.labels(component, app) },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
          volumes: [...(component === 'nats' ? [natsUsersVolume(app)] : []), k8s.TMP_VOLUME],
          // NATS writes only to its store; MinIO keeps its own state under its data directory too.
          containers: [{ ...container, securityContext: k8s.containerSecurity(true) }],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
        },
      ],
    },
  };
}

/** The `nats.conf` key of the application's NATS Secret, as a volume. */
function natsUsersVolume(app: string): Obj {
  return {
    name: 'nats-users',
    secret: { secretName: praasNames(app).natsUsers, items: [{ key: 'nats.conf', path: 'nats.conf' }] },
  };
}

/** Port of the NATS cluster routes between nodes. */
const NATS_ROUTE_PORT = 6222;
/** Nodes of the clustered NATS: JetStream needs a majority, so three survive the loss of one. */
export const NATS_CLUSTER_SIZE = 3;
const NATS_JETSTREAM_ARGS = ['-js', '-sd', '/data', '-m', String(PORTS.natsMonitor)];
/** The users of the application's NATS Secret (`praas-framework nats secret`); flags override its port and store. */
const NATS_USERS_ARGS = ['-c', `${k8s.NATS_USERS_DIR}/nats.conf`];

function natsContainer(args: string[], extra: Obj = {}): Obj {
  return {
    name: 'nats',
    image: SERVICE_IMAGES.nats,
    args,
    ports: [
      { name: 'client', containerPort: PORTS.nats, protocol: 'TCP' },
      { name: 'monitor', containerPort: PORTS.natsMonitor, protocol: 'TCP' },
    ],
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'nats-users', mountPath: k8s.NATS_USERS_DIR, readOnly: true },
      k8s.TMP_MOUNT,
    ],
    readinessProbe: k8s.httpProbe('/healthz', 'monitor', 2, 5, 3),
    livenessProbe: k8s.httpProbe('/healthz', 'monitor', 10, 10, 3),
    resources: k8s.resources('100m', '128Mi', '1', '1Gi'),
    ...extra,
  };
}

/** A single-node NATS server with JetStream on a persistent volume. */
export function nats(app: string): Obj[] {
  const name = praasNames(app).nats;
  return [
    statefulSet(name, 'nats', app, natsContainer([...NATS_JETSTREAM_ARGS, ...NATS_USERS_ARGS]), '5Gi'),
    k8s.service(name, 'nats', app, [
      { name: 'client', port: PORTS.nats },
      { name: 'monitor', port: PORTS.natsMonitor },
    ]),
  ];
}

/** The URLs of the clustered NATS's pods (`<app>-nats-0.<app>-nats` ...) on `port`. */
function natsPodUrls(app: string, port: number): string[] {
  const name = praasNames(app).nats;
  return Array.from({ length: NATS_CLUSTER_SIZE }, (_, i) => `nats://${name}-${i}.${name}:${port}`);
}

/** The seed URLs of the clustered NATS's pods, as PRAAS_NATS_URL takes them. */
export function natsClusterUrls(app: string): string {
  return natsPodUrls(app, PORTS.nats).join(',');
}

/**
 * A three-node NATS cluster with JetStream: a StatefulSet of three whose pods route to each other,
 * started in parallel so they can form the cluster, behind a headless Service that names every
 * pod, and a disruption budget that lets a drain take one node at a time.
 */
export function natsCluster(app: string): Obj[] {
  const name = praasNames(app).nats;
  const args = [
    ...NATS_JETSTREAM_ARGS,
    '-n',
    '$(POD_NAME)',
    '--cluster_name',
    name,
    '--cluster',
    `nats://0.0.0.0:${NATS_ROUTE_PORT}`,
    '--routes',
    natsPodUrls(app, NATS_ROUTE_PORT).join(','),
    ...NATS_USERS_ARGS,
  ];
  const container = natsContainer(args, {
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
  });
  (container['ports'] as Obj[]).push({ name: 'cluster', containerPort: NATS_ROUTE_PORT, protocol: 'TCP' });
  const set = statefulSet(name, 'nats', app, container, '5Gi', NATS_CLUSTER_SIZE);
  (set['spec'] as Obj)['podManagementPolicy'] = 'Parallel';
  const headless = k8s.service(name, 'nats', app, [
    { name: 'client', port: PORTS.nats },
    { name: 'cluster', port: NATS_ROUTE_PORT },
    { name: 'monitor', port: PORTS.natsMonitor },
  ]);
  // Headless, and naming pods before they are ready: the nodes find each other through it to become ready.
  Object.assign(headless['spec'] as Obj, { clusterIP: 'None', publishNotReadyAddresses: true });
  return [set, headless, k8s.disruptionBudget(name, 'nats', app)];
}

/** A single-node MinIO with the credentials of the application's Secret, and a Job that makes the bucket. */
export function minio(app: string): Obj[] {
  const names = praasNames(app);
  const fromSecret = (key: string): Obj => ({ valueFrom: { secretKeyRef: { name: names.secret, key } } });
  const credentials: YamlValue = [
    { name: 'MINIO_ROOT_USER', ...fromSecret('PRAAS_S3_ACCESS_KEY') },
    { name: 'MINIO_ROOT_PASSWORD', ...fromSecret('PRAAS_S3_SECRET_KEY') },
  ];
  const container: Obj = {
    name: 'minio',
    image: SERVICE_IMAGES.minio,
    args: ['server', '/data'],
    // MinIO looks for TLS certificates under $HOME; point it at the scratch volume.
    env: [...(credentials as Obj[]), { name: 'HOME', value: '/tmp' }],
    ports: [{ name: 's3', containerPort: PORTS.s3, protocol: 'TCP' }],
    volumeMounts: [{ name: 'data', mountPath: '/data' }, k8s.TMP_MOUNT],
    readinessProbe: k8s.httpProbe('/minio/health/ready', 's3', 2, 5, 3),
    livenessProbe: k8s.httpProbe('/minio/health/live', 's3', 10, 10, 3),
    resources: k8s.resources('100m', '256Mi', '1', '1Gi'),
  };
  const bucketJob: Obj = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: k8s.metadata(names.bucketJob, 'bucket-init', app),
    spec: {
      backoffLimit: 10,
      template: {
        metadata: { labels: k8s.labels('bucket-init', app) },
        spec: {
          restartPolicy: 'OnFailure',
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          volumes: [k8s.TMP_VOLUME],
          containers: [
            {
              name: 'mc',
              image: SERVICE_IMAGES.mc,
              command: ['/bin/sh', '-c'],
              args: [
                'mc --config-dir /tmp/mc alias set praas "$PRAAS_S3_ENDPOINT" "$PRAAS_S3_ACCESS_KEY" "$PRAAS_S3_SECRET_KEY" && ' +
                  'mc --config-dir /tmp/mc mb --ignore-existing "praas/$PRAAS_S3_BUCKET"',
              ],
              envFrom: [{ configMapRef: { name: names.config } }, { secretRef: { name: names.secret } }],
              volumeMounts: [k8s.TMP_MOUNT],
              securityContext: k8s.containerSecurity(true),
              resources: k8s.resources('50m', '64Mi', '500m', '256Mi'),
            },
          ],
        },
      },
    },
  };
  return [
    statefulSet(names.minio, 'minio', app, container, '10Gi'),
    k8s.service(names.minio, 'minio', app, [{ name: 's3', port: PORTS.s3 }]),
    bucketJob,
  ];
}

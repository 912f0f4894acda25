import type { YamlValue } from '../yaml';

/** A Kubernetes object (or part of one) as the manifests write it. */
export type Obj = { [key: string]: YamlValue };

/**
 * The labels of one component of one application. Every selector includes the application
 * (`app.kubernetes.io/instance`), so two applications in one namespace never select each other's pods.
 */
export function labels(component: string, app: string): Obj {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/instance': app,
    'app.kubernetes.io/part-of': 'praas',
  };
}

export function metadata(name: string, component: string, app: string): Obj {
  return { name, labels: labels(component, app) };
}

export function httpProbe(
  path: string,
  port: string,
  initialDelaySeconds: number,
  periodSeconds: number,
  failureThreshold: number,
): Obj {
  return { httpGet: { path, port }, initialDelaySeconds, periodSeconds, failureThreshold, timeoutSeconds: 2 };
}

export function resources(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Obj {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/** Pods run as an unprivileged user (uid 1000: the node images' `node` user), with no privilege to gain. */
const POD_SECURITY: Obj = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * A container's securityContext: all capabilities dropped, no privilege escalation, and a
 * read-only root file system where the program writes only to its volumes.
 */
export function containerSecurity(readOnlyRootFilesystem: boolean): Obj {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem, capabilities: { drop: ['ALL'] } };
}

/** A writable scratch directory for a container with a read-only root file system. */
export const TMP_VOLUME: Obj = { name: 'tmp', emptyDir: {} };
export const TMP_MOUNT: Obj = { name: 'tmp', mountPath: '/tmp' };

/** Voluntary evictions (node drains, upgrades) take at most one pod of the component at a time. */
export function disruptionBudget(name: string, component: string, app: string): Obj {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(name, component, app),
    spec: { maxUnavailable: 1, selector: { matchLabels: labels(component, app) } },
  };
}

/** The pod template of a workload: the pod's securityContext and the container with its own. */
export function podTemplate(component: string, app: string, container: Obj, readOnlyRoot: boolean, extra: Obj): Obj {
  return {
    metadata: { labels: labels(component, app) },
    spec: {
      ...extra,
      securityContext: POD_SECURITY,
      containers: [{ ...container, securityContext: containerSecurity(readOnlyRoot) }],
    },
  };
}

export function deployment(name: string, component: string, app: string, replicas: number, template: Obj): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name, component, app),
    spec: { replicas, selector: { matchLabels: labels(component, app) }, template },
  };
}

export function service(name: string, component: string, app: string, ports: { name: string; port: number }[]): Obj {
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

/** A memory quantity (`512Mi`, `1Gi`, `1G`, `800M`, or bytes) in bytes; undefined when it is none of these. */
export function memoryBytes(quantity: string): number | undefined {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (m === null) return undefined;
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

/** Where the bundled NATS mounts the configuration of the `natsUsers` Secret. */
export const NATS_USERS_DIR = '/etc/nats-praas';

/**
 * PRAAS_NATS_USER and PRAAS_NATS_PASSWORD of a container, from the keys `<role>-user` and
 * `<role>-password` of the application's NATS Secret (`praas-framework nats secret`).
 */
export function natsCredentialsEnv(secret: string, role: 'gateway' | 'host'): Obj[] {
  return [
    { name: 'PRAAS_NATS_USER', valueFrom: { secretKeyRef: { name: secret, key: `${role}-user` } } },
    { name: 'PRAAS_NATS_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: `${role}-password` } } },
  ];
}

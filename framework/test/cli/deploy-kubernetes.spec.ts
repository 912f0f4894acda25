import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { cli, TempProject } from './temp-project';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  ports: { name: string; containerPort: number; protocol: string }[];
  env?: ({ name: string; value: string } | { name: string; valueFrom: unknown })[];
  envFrom: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
}

function readObjects(dir: string): Map<string, K8sObject[]> {
  const files = new Map<string, K8sObject[]>();
  for (const file of readdirSync(dir).sort()) {
    const documents = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
    files.set(
      file,
      documents.map((d) => {
        assert.deepEqual(d.errors, [], file);
        return d.toJS() as K8sObject;
      }),
    );
  }
  return files;
}

function podSpec(deployment: K8sObject): { containers: Container[]; terminationGracePeriodSeconds?: number } {
  const template = (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: unknown } })
    .template;
  return template.spec as { containers: Container[] };
}

function assertContainer(c: Container, port: string): void {
  assert.ok(
    c.ports.some((p) => p.name === port),
    `${c.name} exposes ${port}`,
  );
  for (const probe of [c.readinessProbe, c.livenessProbe]) {
    assert.deepEqual(probe.httpGet, { path: '/healthz', port });
    assert.ok(probe.periodSeconds > 0);
  }
  assert.deepEqual(c.envFrom, [{ configMapRef: { name: 'praas-config' } }, { secretRef: { name: 'praas-s3' } }]);
  for (const r of [c.resources.requests, c.resources.limits]) {
    assert.match(r.cpu, /^\d+m?$/);
    assert.match(r.memory, /^\d+(Mi|Gi)$/);
  }
}

describe('praas-framework deploy --target kubernetes', () => {
  let scratch: TempProject;
  beforeEach(() => {
    scratch = new TempProject();
  });
  afterEach(() => scratch.remove());

  it('writes a ConfigMap, the gateway Deployment and Service, and the hosts Deployment', async () => {
    const out = join(scratch.root, 'k8s');
    const result = await cli(
      'deploy',
      '--target',
      'kubernetes',
      '--out',
      out,
      '--app',
      'shop',
      '--image',
      'registry.example.com/shop:1.2.0',
      '--replicas',
      '3',
    );
    assert.equal(result.code, 0, result.err.join('\n'));
    assert.ok(result.out.some((l) => l.includes('kubectl create secret generic praas-s3')));
    const files = readObjects(out);
    assert.deepEqual([...files.keys()], ['praas-config.yaml', 'praas-gateway.yaml', 'shop-hosts.yaml']);
    for (const objects of files.values()) {
      for (const o of objects) {
        assert.match(o.apiVersion, /^(v1|apps\/v1)$/);
        assert.match(o.metadata.name, /^[a-z0-9-]+$/);
        assert.equal(o.metadata.labels['app.kubernetes.io/part-of'], 'praas');
      }
    }

    const [config] = files.get('praas-config.yaml')!;
    assert.equal(config!.kind, 'ConfigMap');
    assert.deepEqual(config!.data, {
      PRAAS_NATS_URL: 'nats://nats:4222',
      PRAAS_S3_ENDPOINT: 'http://minio:9000',
      PRAAS_S3_BUCKET: 'praas',
      PRAAS_HTTP_PORT: '8080',
      PRAAS_GRPC_PORT: '50051',
      PRAAS_HEALTH_PORT: '8081',
      PRAAS_DATA_PORT: '7400',
    });

    const [gateway, gatewayService] = files.get('praas-gateway.yaml')!;
    assert.equal(gateway!.kind, 'Deployment');
    const gatewayContainer = podSpec(gateway!).containers[0]!;
    assert.equal(gatewayContainer.image, 'praas-framework:0.1.0');
    assert.deepEqual(gatewayContainer.command, ['praas-framework', 'gateway']);
    assert.deepEqual(
      gatewayContainer.ports.map((p) => [p.name, p.containerPort]),
      [
        ['http', 8080],
        ['grpc', 50051],
      ],
    );
    assertContainer(gatewayContainer, 'http');
    assert.equal(gatewayService!.kind, 'Service');
    const serviceSpec = gatewayService!.spec as {
      selector: Record<string, string>;
      ports: { name: string; port: number; targetPort: string }[];
    };
    assert.deepEqual(
      serviceSpec.ports.map((p) => [p.name, p.port, p.targetPort]),
      [
        ['http', 8080, 'http'],
        ['grpc', 50051, 'grpc'],
      ],
    );
    const gatewaySelector = (gateway!.spec as { selector: { matchLabels: Record<string, string> } }).selector;
    assert.deepEqual(serviceSpec.selector, gatewaySelector.matchLabels);

    const [hosts] = files.get('shop-hosts.yaml')!;
    assert.equal(hosts!.kind, 'Deployment');
    assert.equal(hosts!.metadata.name, 'shop-host');
    assert.equal((hosts!.spec as { replicas: number }).replicas, 3);
    const hostPod = podSpec(hosts!);
    const hostContainer = hostPod.containers[0]!;
    assert.equal(hostContainer.image, 'registry.example.com/shop:1.2.0');
    assert.deepEqual(hostContainer.env, [
      { name: 'PRAAS_APP', value: 'shop' },
      // Peers dial the data port at the pod's own IP.
      { name: 'PRAAS_ADVERTISE_ADDR', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
    assert.ok(hostContainer.ports.some((p) => p.name === 'data' && p.containerPort === 7400));
    assertContainer(hostContainer, 'health');
    assert.ok(hostPod.terminationGracePeriodSeconds! >= 60);
  });

  it('adds single-node NATS and MinIO with a bucket job and fresh S3 credentials on request', async () => {
    const out = join(scratch.root, 'k8s');
    const result = await cli('deploy', '--target', 'kubernetes', '--out', out, '--app', 'shop', '--with-services');
    assert.equal(result.code, 0, result.err.join('\n'));
    const files = readObjects(out);
    const kinds = [...files.values()].flat().map((o) => `${o.kind}/${o.metadata.name}`);
    for (const expected of [
      'Secret/praas-s3',
      'StatefulSet/nats',
      'Service/nats',
      'StatefulSet/minio',
      'Service/minio',
      'Job/praas-bucket',
    ]) {
      assert.ok(kinds.includes(expected), `${expected} in ${kinds.join(', ')}`);
    }
    const [secret] = files.get('praas-s3-secret.yaml')!;
    const keys = secret!.stringData!;
    assert.match(keys['PRAAS_S3_ACCESS_KEY']!, /^praas-[0-9a-f]{12}$/);
    assert.ok(keys['PRAAS_S3_SECRET_KEY']!.length >= 32);
    const nats = podSpec(files.get('nats.yaml')![0]!).containers[0]!;
    assert.deepEqual(nats.readinessProbe.httpGet, { path: '/healthz', port: 'monitor' });
    assert.ok((nats as unknown as { args: string[] }).args.includes('-js'));

    const again = join(scratch.root, 'again');
    assert.equal(
      (await cli('deploy', '--target', 'kubernetes', '--out', again, '--app', 'shop', '--with-services')).code,
      0,
    );
    const [otherSecret] = readObjects(again).get('praas-s3-secret.yaml')!;
    assert.notEqual(otherSecret!.stringData!['PRAAS_S3_SECRET_KEY'], keys['PRAAS_S3_SECRET_KEY']);
  });

  it('takes the application from the built manifest', async () => {
    const project = new TempProject('shop').linkModules();
    try {
      project.write('dist/praas.manifest.json', JSON.stringify({ app: 'orders', version: '2.0.1', processes: [] }));
      const out = join(scratch.root, 'k8s');
      const result = await cli('deploy', '--target', 'kubernetes', '--out', out, '--project', project.dir);
      assert.equal(result.code, 0, result.err.join('\n'));
      const [hosts] = readObjects(out).get('orders-hosts.yaml')!;
      assert.equal(podSpec(hosts!).containers[0]!.image, 'orders:2.0.1');
    } finally {
      project.remove();
    }
  });

  it('says what is missing or wrong', async () => {
    const out = join(scratch.root, 'k8s');
    const noTarget = await cli('deploy', '--out', out);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.err[0]!, /deploy needs --gateway URL .* or --target kubernetes --out DIR/);
    const otherTarget = await cli('deploy', '--target', 'nomad', '--out', out);
    assert.equal(otherTarget.code, 2);
    assert.match(otherTarget.err[0]!, /unknown deploy target 'nomad'/);
    const noOut = await cli('deploy', '--target', 'kubernetes', '--app', 'shop');
    assert.equal(noOut.code, 2);
    assert.match(noOut.err[0]!, /needs --out DIR/);
    const badReplicas = await cli('deploy', '--target', 'kubernetes', '--out', out, '--app', 'shop', '--replicas', '0');
    assert.equal(badReplicas.code, 2);
    assert.match(badReplicas.err[0]!, /--replicas must be a whole number of at least 1, got '0'/);
    const noApp = await cli('deploy', '--target', 'kubernetes', '--out', out, '--project', scratch.root);
    assert.equal(noApp.code, 1);
    assert.match(noApp.err[0]!, /give --app NAME, or run praas-framework build first/);
  });
});

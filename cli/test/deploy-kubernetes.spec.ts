import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, TempProject } from './temp-project';
import { readObjects, type K8sObject } from './kubernetes-objects';

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
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** Runs `deploy --target kubernetes --out <out>` with the further arguments. */
function deployTo(out: string, ...argv: string[]): ReturnType<typeof cli> {
  return cli('deploy', '--target', 'kubernetes', '--out', out, ...argv);
}

function podSpec(deployment: K8sObject): {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string; [source: string]: unknown }[];
} {
  const template = (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: unknown } })
    .template;
  return template.spec as { containers: Container[] };
}

function assertContainer(c: Container, port: string, app: string): void {
  assert.ok(
    c.ports.some((p) => p.name === port),
    `${c.name} exposes ${port}`,
  );
  for (const probe of [c.readinessProbe, c.livenessProbe]) {
    assert.deepEqual(probe.httpGet, { path: '/healthz', port });
    assert.ok(probe.periodSeconds > 0);
  }
  assert.deepEqual(c.envFrom, [
    { configMapRef: { name: `${app}-praas-config` } },
    { secretRef: { name: `${app}-praas-secrets` } },
  ]);
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

  it("writes the application's ConfigMap, gateway Deployment and Service, and hosts Deployment, named after it", async () => {
    const out = join(scratch.root, 'k8s');
    const result = await deployTo(
      out,
      '--app',
      'shop',
      '--image',
      'registry.example.com/shop:1.2.0',
      '--replicas',
      '3',
    );
    assert.equal(result.code, 0, result.err.join('\n'));
    const files = readObjects(out);
    assert.deepEqual([...files.keys()], ['shop-config.yaml', 'shop-gateway.yaml', 'shop-hosts.yaml']);
    for (const objects of files.values()) {
      for (const o of objects) {
        assert.match(o.apiVersion, /^(v1|apps\/v1|policy\/v1)$/);
        assert.match(o.metadata.name, /^shop-[a-z0-9-]+$/);
        assert.equal(o.metadata.labels['app.kubernetes.io/part-of'], 'praas');
        assert.equal(o.metadata.labels['app.kubernetes.io/instance'], 'shop');
      }
    }

    const [config] = files.get('shop-config.yaml')!;
    assert.equal(config!.kind, 'ConfigMap');
    assert.equal(config!.metadata.name, 'shop-praas-config');
    assert.deepEqual(config!.data, {
      PRAAS_NATS_URL: 'nats://nats:4222',
      PRAAS_NATS_REPLICAS: '1',
      PRAAS_S3_ENDPOINT: 'http://minio:9000',
      PRAAS_S3_BUCKET: 'praas',
      PRAAS_HTTP_PORT: '8080',
      PRAAS_GRPC_PORT: '50051',
      PRAAS_HEALTH_PORT: '8081',
      PRAAS_DATA_PORT: '7400',
    });

    const [gateway, gatewayService] = files.get('shop-gateway.yaml')!;
    assert.equal(gateway!.kind, 'Deployment');
    assert.equal(gateway!.metadata.name, 'shop-gateway');
    const gatewayPod = podSpec(gateway!);
    const gatewayContainer = gatewayPod.containers[0]!;
    assert.equal(gatewayContainer.image, 'praas-framework:0.1.0');
    assert.deepEqual(gatewayContainer.command, ['praas-framework', 'gateway']);
    assert.deepEqual(
      gatewayContainer.ports.map((p) => [p.name, p.containerPort]),
      [
        ['http', 8080],
        ['grpc', 50051],
      ],
    );
    assertContainer(gatewayContainer, 'http', 'shop');
    // The gateway reads its tokens from the Secret the user created, mounted as a file.
    // Its NATS user comes from the application's NATS Secret (praas-framework nats secret).
    const fromNatsSecret = (key: string) => ({ valueFrom: { secretKeyRef: { name: 'shop-praas-nats', key } } });
    assert.deepEqual(gatewayContainer.env, [
      { name: 'PRAAS_TOKENS_FILE', value: '/run/praas/tokens/tokens.json' },
      { name: 'PRAAS_NATS_USER', ...fromNatsSecret('gateway-user') },
      { name: 'PRAAS_NATS_PASSWORD', ...fromNatsSecret('gateway-password') },
    ]);
    const tokensMount = gatewayContainer.volumeMounts!.find((m) => m.name === 'tokens')!;
    assert.deepEqual(tokensMount, { name: 'tokens', mountPath: '/run/praas/tokens', readOnly: true });
    assert.deepEqual(
      gatewayPod.volumes!.find((v) => v.name === 'tokens'),
      { name: 'tokens', secret: { secretName: 'shop-praas-tokens' } },
    );
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
    assert.deepEqual(hostContainer.env!.slice(0, 2), [
      { name: 'PRAAS_APP', value: 'shop' },
      // Peers dial the data port at the pod's own IP.
      { name: 'PRAAS_ADVERTISE_ADDR', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
    assert.ok(hostContainer.ports.some((p) => p.name === 'data' && p.containerPort === 7400));
    assertContainer(hostContainer, 'health', 'shop');
    assert.ok(hostPod.terminationGracePeriodSeconds! >= 60);
  });

  it('writes no Secret and prints the kubectl commands that create the ones the manifests reference', async () => {
    for (const services of [[], ['--with-services']]) {
      const out = join(scratch.root, `k8s-${services.length}`);
      const result = await deployTo(out, '--app', 'shop', ...services);
      assert.equal(result.code, 0, result.err.join('\n'));
      const all = [...readObjects(out).values()].flat();
      assert.deepEqual(
        all.filter((o) => o.kind === 'Secret' || o.stringData !== undefined),
        [],
      );
      for (const file of readdirSync(out))
        assert.doesNotMatch(readFileSync(join(out, file), 'utf8'), /SECRET_KEY:|stringData/);
      const create = result.out.find((l) => l.includes('kubectl create secret generic shop-praas-secrets'))!;
      assert.ok(create, result.out.join('\n'));
      for (const key of ['PRAAS_S3_ACCESS_KEY', 'PRAAS_S3_SECRET_KEY', 'PRAAS_DATA_SECRET'])
        assert.ok(create.includes(`--from-literal=${key}=`), `${key} in ${create}`);
      // Generated values come from the user's shell, not from a file or this output.
      assert.match(create, /PRAAS_DATA_SECRET="\$\(openssl rand -base64 32\)"/);
      assert.ok(
        result.out.some((l) => l.includes('kubectl create secret generic shop-praas-tokens --from-file=tokens.json')),
      );
      assert.ok(result.out.some((l) => l.includes('praas-framework gateway token create --file tokens.json')));
      assert.ok(
        result.out.some((l) => l.includes('praas-framework nats secret --app shop | kubectl apply -f -')),
        result.out.join('\n'),
      );
    }
  });

  it("sets the hosts' memory budget from their container limit", async () => {
    const cases: [string[], number][] = [
      [[], 2 ** 30],
      [['--host-memory', '512Mi'], 512 * 2 ** 20],
      [['--host-memory', '3Gi'], 3 * 2 ** 30],
    ];
    for (const [flags, limitBytes] of cases) {
      const out = join(scratch.root, `k8s-memory-${limitBytes}`);
      const result = await deployTo(out, '--app', 'shop', ...flags);
      assert.equal(result.code, 0, result.err.join('\n'));
      const host = podSpec(readObjects(out).get('shop-hosts.yaml')![0]!).containers[0]!;
      const limit = host.resources.limits.memory;
      assert.equal(limit, flags[1] ?? '1Gi');
      const budget = host.env!.find((e) => e.name === 'PRAAS_MEMORY_BUDGET_BYTES') as { value: string };
      // The hosts' NATS user is the application's, from the application's NATS Secret.
      assert.deepEqual(
        host.env!.find((e) => e.name === 'PRAAS_NATS_PASSWORD'),
        {
          name: 'PRAAS_NATS_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'shop-praas-nats', key: 'host-password' } },
        },
      );
      assert.equal(Number(budget.value), Math.floor(limitBytes * 0.8));
      assert.ok(memoryOf(host.resources.requests.memory) <= limitBytes);
    }
    const bad = await deployTo(join(scratch.root, 'bad'), '--app', 'shop', '--host-memory', 'lots');
    assert.equal(bad.code, 2);
    assert.match(bad.err[0]!, /--host-memory must be a memory size of at least 64Mi, like 512Mi or 2Gi; got 'lots'/);
  });

  it('runs pods unprivileged with read-only root file systems, bounds voluntary disruptions, scales gateways, and warns about default images', async () => {
    const out = join(scratch.root, 'k8s-hardened');
    const result = await deployTo(out, '--app', 'shop', '--gateway-replicas', '3', '--with-services');
    assert.equal(result.code, 0, result.err.join('\n'));
    const files = readObjects(out);
    const all = [...files.values()].flat();
    const deployments = all.filter((o) => o.kind === 'Deployment');
    assert.equal(deployments.length, 2);
    for (const workload of all.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))) {
      const pod = podSpec(workload) as unknown as {
        securityContext: { runAsNonRoot: boolean; runAsUser: number };
        containers: {
          securityContext: {
            allowPrivilegeEscalation: boolean;
            readOnlyRootFilesystem: boolean;
            capabilities: { drop: string[] };
          };
        }[];
      };
      const name = `${workload.kind}/${workload.metadata.name}`;
      assert.equal(pod.securityContext.runAsNonRoot, true, name);
      assert.notEqual(pod.securityContext.runAsUser, 0, name);
      for (const c of pod.containers) {
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, name);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, name);
        assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], name);
      }
    }
    for (const d of deployments) {
      // One budget per Deployment, selecting exactly its pods.
      const budget = all.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === d.metadata.name);
      assert.ok(budget, `a PodDisruptionBudget for ${d.metadata.name}`);
      assert.deepEqual((budget.spec as { selector: unknown }).selector, (d.spec as { selector: unknown }).selector);
    }
    const gateway = deployments.find((d) => d.metadata.name === 'shop-gateway')!;
    assert.equal((gateway.spec as { replicas: number }).replicas, 3);
    assert.ok(result.out.some((l) => /^warning: no --image given: .*'shop:latest'/.test(l)));
    assert.ok(result.out.some((l) => /^warning: no --gateway-image given/.test(l)));
    // Progress goes to standard error, and --quiet silences it.
    assert.match(result.err.join('\n'), /^deploy \[1\] write manifests to .*: \d+\.\d\d s$/m);
    const quiet = await deployTo(out, '--app', 'shop', '--quiet');
    assert.deepEqual(quiet.err, []);
    const bad = await deployTo(out, '--app', 'shop', '--gateway-replicas', '0');
    assert.equal(bad.code, 2);
    assert.match(bad.err[0]!, /--gateway-replicas must be a whole number of at least 1/);
  });

  it('adds a single-node NATS and MinIO of the application, with pinned images and a bucket job', async () => {
    const out = join(scratch.root, 'k8s');
    const result = await deployTo(out, '--app', 'shop', '--with-services');
    assert.equal(result.code, 0, result.err.join('\n'));
    const files = readObjects(out);
    const kinds = [...files.values()].flat().map((o) => `${o.kind}/${o.metadata.name}`);
    for (const expected of [
      'StatefulSet/shop-nats',
      'Service/shop-nats',
      'StatefulSet/shop-minio',
      'Service/shop-minio',
      'Job/shop-bucket',
    ]) {
      assert.ok(kinds.includes(expected), `${expected} in ${kinds.join(', ')}`);
    }
    const [config] = files.get('shop-config.yaml')!;
    assert.equal(config!.data!['PRAAS_NATS_URL'], 'nats://shop-nats:4222');
    assert.equal(config!.data!['PRAAS_S3_ENDPOINT'], 'http://shop-minio:9000');
    const nats = podSpec(files.get('shop-nats.yaml')![0]!).containers[0]!;
    assert.deepEqual(nats.readinessProbe.httpGet, { path: '/healthz', port: 'monitor' });
    assert.ok((nats as unknown as { args: string[] }).args.includes('-js'));
    // It runs with the users of the application's NATS Secret, mounted as a file.
    assert.deepEqual((nats as unknown as { args: string[] }).args.slice(-2), ['-c', '/etc/nats-praas/nats.conf']);
    assert.deepEqual(
      podSpec(files.get('shop-nats.yaml')![0]!).volumes!.find((v) => v.name === 'nats-users'),
      {
        name: 'nats-users',
        secret: { secretName: 'shop-praas-nats', items: [{ key: 'nats.conf', path: 'nats.conf' }] },
      },
    );
    const minio = podSpec(files.get('shop-minio.yaml')![0]!).containers[0]!;
    assert.deepEqual(minio.env!.slice(0, 2), [
      {
        name: 'MINIO_ROOT_USER',
        valueFrom: { secretKeyRef: { name: 'shop-praas-secrets', key: 'PRAAS_S3_ACCESS_KEY' } },
      },
      {
        name: 'MINIO_ROOT_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'shop-praas-secrets', key: 'PRAAS_S3_SECRET_KEY' } },
      },
    ]);
    for (const workload of [...files.values()].flat().filter((o) => o.kind === 'StatefulSet' || o.kind === 'Job')) {
      for (const c of podSpec(workload).containers)
        assert.match(c.image, /^[a-z0-9/.-]+:(\d+\.\d+\.\d+-alpine|RELEASE\.[0-9TZ-]+)$/, `${c.name}: a pinned image`);
    }
  });

  it('keeps two applications in one namespace apart: no shared file, object name or selector', async () => {
    const out = join(scratch.root, 'k8s-two');
    for (const app of ['shop', 'orders']) assert.equal((await deployTo(out, '--app', app, '--with-services')).code, 0);
    const files = readObjects(out);
    const byApp = (app: string): K8sObject[] =>
      [...files.entries()].filter(([file]) => file.startsWith(`${app}-`)).flatMap(([, objects]) => objects);
    const shop = byApp('shop');
    const orders = byApp('orders');
    assert.equal(shop.length + orders.length, [...files.values()].flat().length, [...files.keys()].join(', '));
    const ids = (objects: K8sObject[]) => new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    const shared = [...ids(shop)].filter((id) => ids(orders).has(id));
    assert.deepEqual(shared, []);
    // No selector of one application matches the pods of the other.
    for (const [mine, theirs] of [
      [shop, orders],
      [orders, shop],
    ] as const) {
      const theirPods = theirs
        .filter((o) => (o.spec as { template?: unknown } | undefined)?.template !== undefined)
        .map(
          (o) => (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels,
        );
      for (const o of mine) {
        const spec = o.spec as
          { selector?: Record<string, string> | { matchLabels: Record<string, string> } } | undefined;
        if (spec?.selector === undefined) continue;
        const selector = ('matchLabels' in spec.selector ? spec.selector.matchLabels : spec.selector) as Record<
          string,
          string
        >;
        for (const labels of theirPods) {
          const matches = Object.entries(selector).every(([k, v]) => labels[k] === v);
          assert.equal(matches, false, `${o.kind}/${o.metadata.name} selects a pod of the other application`);
        }
      }
    }
  });

  it('writes a three-node NATS cluster and gives the pods its seed URLs and replicas 3 with --nats-cluster', async () => {
    const out = join(scratch.root, 'k8s');
    const result = await deployTo(out, '--app', 'shop', '--with-services', '--nats-cluster');
    assert.equal(result.code, 0, result.err.join('\n'));
    const files = readObjects(out);
    const [set, headless, budget] = files.get('shop-nats.yaml')!;
    assert.equal(set!.kind, 'StatefulSet');
    const spec = set!.spec as { replicas: number; serviceName: string; podManagementPolicy: string };
    assert.deepEqual([spec.replicas, spec.serviceName, spec.podManagementPolicy], [3, 'shop-nats', 'Parallel']);
    const node = podSpec(set!).containers[0] as unknown as { args: string[] };
    const routes = node.args[node.args.indexOf('--routes') + 1];
    assert.equal(
      routes,
      'nats://shop-nats-0.shop-nats:6222,nats://shop-nats-1.shop-nats:6222,nats://shop-nats-2.shop-nats:6222',
    );
    assert.ok(node.args.includes('-js') && node.args.includes('$(POD_NAME)'), node.args.join(' '));
    assert.deepEqual(
      [headless!.kind, (headless!.spec as { clusterIP: string }).clusterIP],
      ['Service', 'None'],
      'a headless Service names the pods',
    );
    assert.equal(budget!.kind, 'PodDisruptionBudget');
    const [config] = files.get('shop-config.yaml')!;
    assert.equal(
      config!.data!['PRAAS_NATS_URL'],
      'nats://shop-nats-0.shop-nats:4222,nats://shop-nats-1.shop-nats:4222,nats://shop-nats-2.shop-nats:4222',
    );
    assert.equal(config!.data!['PRAAS_NATS_REPLICAS'], '3');

    const external = join(scratch.root, 'external');
    const seeds = 'nats://a:4222,nats://b:4222,nats://c:4222';
    assert.equal((await deployTo(external, '--app', 'shop', '--nats-url', seeds, '--nats-replicas', '3')).code, 0);
    const [externalConfig] = readObjects(external).get('shop-config.yaml')!;
    assert.equal(externalConfig!.data!['PRAAS_NATS_URL'], seeds);
    assert.equal(externalConfig!.data!['PRAAS_NATS_REPLICAS'], '3');
    const refused = await deployTo(join(scratch.root, 'x'), '--app', 'shop', '--nats-cluster');
    assert.notEqual(refused.code, 0);
    assert.match(refused.err.join('\n'), /add --with-services/);
  });

  it('takes the application from the built manifest', async () => {
    const project = new TempProject('shop').linkModules();
    try {
      project.write('dist/praas.manifest.json', JSON.stringify({ app: 'orders', version: '2.0.1', processes: [] }));
      const out = join(scratch.root, 'k8s');
      const result = await deployTo(out, '--project', project.dir);
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
    const badReplicas = await deployTo(out, '--app', 'shop', '--replicas', '0');
    assert.equal(badReplicas.code, 2);
    assert.match(badReplicas.err[0]!, /--replicas must be a whole number of at least 1, got '0'/);
    const noApp = await deployTo(out, '--project', scratch.root);
    assert.equal(noApp.code, 1);
    assert.match(noApp.err.at(-1)!, /give --app NAME, or run praas-framework build first/);
  });
});

/** Bytes of a memory quantity as the manifests write them (`256Mi`, `1Gi`). */
function memoryOf(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  assert.ok(m, quantity);
  return Number(m[1]) * (m[2] === 'Gi' ? 2 ** 30 : 2 ** 20);
}

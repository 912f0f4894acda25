import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { SERVICE_IMAGES } from '../../src/kubernetes/service-images';

/* The local stack's docker-compose.yml and the root Dockerfile it builds, checked with docker-compose itself. */

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const CLUSTER_FILE = join(REPO_ROOT, 'docker-compose.nats-cluster.yml');

function hasDockerCompose(): boolean {
  const probe = spawnSync('docker-compose', ['version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** Whether Compose v2 (the `docker compose` plugin) is installed. */
function hasComposeV2(): boolean {
  const probe = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** Runs Compose on the file: v1 (`docker-compose`) by default, or v2 (`docker compose`). */
function compose(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return composeWith(['docker-compose'], [COMPOSE_FILE], args);
}

/** Compose v1 on several files, merged in order. */
function composeFiles(
  files: readonly string[],
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return composeWith(['docker-compose'], files, args);
}

function composeWith(
  command: string[],
  files: readonly string[],
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // A clean environment, so the file's own defaults are what is checked.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' };
    const [program, ...before] = command;
    const fileArgs = files.flatMap((f) => ['-f', f]);
    execFile(program!, [...before, ...fileArgs, ...args], { cwd: REPO_ROOT, env }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

interface ComposeService {
  image?: string;
  build?: { context: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  deploy?: { replicas?: number };
  volumes?: unknown[];
}

const PRAAS_SETTINGS = [
  'PRAAS_NATS_URL',
  'PRAAS_S3_ENDPOINT',
  'PRAAS_S3_ACCESS_KEY',
  'PRAAS_S3_SECRET_KEY',
  'PRAAS_S3_BUCKET',
  'PRAAS_HTTP_PORT',
  'PRAAS_GRPC_PORT',
];

describe('local stack: docker-compose.yml', function () {
  this.timeout(30_000);

  before(function () {
    if (hasDockerCompose()) return;
    if (process.env['CI'] === 'true') {
      throw new Error(
        'docker-compose is not installed, and CI must check docker-compose.yml: install the Debian package docker-compose (apt-get install -y docker-compose)',
      );
    }
    console.warn('    (docker-compose is not installed: apt-get install -y docker-compose to check the compose file)');
    this.skip();
  });

  it('is valid for docker-compose (config -q)', async () => {
    const result = await compose('config', '-q');
    assert.equal(result.code, 0, result.stderr);
  });

  it('runs NATS with JetStream, MinIO with a bucket job, a gateway and two runtime hosts, with health checks', async () => {
    const result = await compose('config');
    assert.equal(result.code, 0, result.stderr);
    const config = parse(result.stdout) as {
      services: Record<string, ComposeService>;
      volumes: Record<string, unknown>;
    };
    const { nats, minio, gateway, host } = config.services;
    const init = config.services['minio-init'];
    assert.ok(nats && minio && init && gateway && host, Object.keys(config.services).join(', '));

    assert.match(nats.image!, /^nats:2\.10/);
    assert.deepEqual(nats.command!.slice(0, 3), ['-js', '-sd', '/data']);
    assert.ok(nats.healthcheck!.test.join(' ').includes('http://127.0.0.1:8222/healthz'));
    assert.match(minio.image!, /^minio\/minio/);
    assert.ok(minio.healthcheck);
    assert.deepEqual(Object.keys(config.volumes).sort(), ['minio-data', 'nats-config', 'nats-data']);
    // nats-server runs with the users nats-config writes, every component with a password derived from one secret.
    const natsConfig = config.services['nats-config'];
    assert.ok(natsConfig, 'a nats-config service');
    assert.deepEqual(natsConfig.command!.slice(0, 3), ['praas-framework', 'nats', 'config']);
    assert.deepEqual(nats.command!.slice(-2), ['-c', '/etc/nats-praas/nats.conf']);
    assert.equal(nats.depends_on!['nats-config']!.condition, 'service_completed_successfully');
    for (const service of [natsConfig, gateway, host]) assert.ok(service.environment!['PRAAS_NATS_SECRET']);

    assert.match(init.image!, /^minio\/mc/);
    assert.equal(init.depends_on!['minio']!.condition, 'service_healthy');
    assert.ok(init.command!.join(' ').includes('mc mb --ignore-existing'));

    for (const [name, service] of [
      ['gateway', gateway],
      ['host', host],
    ] as const) {
      assert.equal(service.build!.context, REPO_ROOT, `${name} is built from the root Dockerfile`);
      for (const setting of PRAAS_SETTINGS) assert.ok(service.environment![setting], `${name} sets ${setting}`);
      assert.equal(service.depends_on!['nats']!.condition, 'service_healthy');
      assert.equal(service.depends_on!['minio-init']!.condition, 'service_completed_successfully');
      assert.equal(service.restart, 'unless-stopped');
      assert.ok(service.healthcheck!.test.join(' ').includes('/healthz'), `${name} has a health check`);
    }
    assert.deepEqual(gateway.command, ['praas-framework', 'gateway']);
    assert.deepEqual(host.command, ['praas-framework', 'host']);
    assert.equal(host.deploy!.replicas, 2);
    assert.equal(host.environment!['PRAAS_HEALTH_PORT'], '8081');
    // Each replica advertises its own address for the direct data plane.
    assert.equal(host.environment!['PRAAS_ADVERTISE_ADDR'], 'auto');
    assert.equal(gateway.environment!['PRAAS_S3_ENDPOINT'], 'http://minio:9000');
    assert.equal(gateway.environment!['PRAAS_S3_ACCESS_KEY'], minio.environment!['MINIO_ROOT_USER']);
  });
});

describe('local stack on a NATS cluster: docker-compose.nats-cluster.yml', function () {
  this.timeout(30_000);

  before(function () {
    if (!hasDockerCompose() && process.env['CI'] !== 'true') this.skip(); // The suite above says why.
  });

  it('runs three clustered NATS nodes with JetStream, and gives gateway and hosts every seed URL and replicas 3', async () => {
    const result = await composeFiles([COMPOSE_FILE, CLUSTER_FILE], 'config');
    assert.equal(result.code, 0, result.stderr);
    const config = parse(result.stdout) as {
      services: Record<string, ComposeService>;
      volumes: Record<string, unknown>;
    };
    const nodes = ['nats', 'nats-2', 'nats-3'];
    for (const name of nodes) {
      const node = config.services[name];
      assert.ok(node, `service ${name}`);
      const command = node.command!.join(' ');
      assert.match(command, /^-js -sd \/data -m 8222 /);
      assert.match(command, / -c \/etc\/nats-praas\/nats\.conf$/, `${name} runs with the generated users`);
      assert.match(command, /--cluster_name praas --cluster nats:\/\/0\.0\.0\.0:6222/);
      const routes = node.command![node.command!.indexOf('--routes') + 1]!.split(',');
      assert.deepEqual(
        routes,
        nodes.filter((n) => n !== name).map((n) => `nats://${n}:6222`),
        `${name} routes to the other two`,
      );
      assert.ok(node.healthcheck, `${name} has a health check`);
    }
    for (const name of ['gateway', 'host']) {
      const service = config.services[name]!;
      assert.equal(service.environment!['PRAAS_NATS_URL'], nodes.map((n) => `nats://${n}:4222`).join(','));
      assert.equal(service.environment!['PRAAS_NATS_REPLICAS'], '3');
      for (const node of nodes) assert.equal(service.depends_on![node]!.condition, 'service_healthy');
    }
    assert.ok(config.volumes['nats-2-data'] !== undefined && config.volumes['nats-3-data'] !== undefined);
  });
});

describe('local stack: docker-compose.yml for Compose v2 and pinned images', function () {
  this.timeout(30_000);

  it('pins every image, with the tags the Kubernetes manifests use', () => {
    // The file as written (no Compose needed): every image names a version, none is latest.
    const file = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    const images = Object.entries(file.services).map(([name, s]) => [name, s.image] as const);
    for (const [name, image] of images) {
      assert.ok(image, `${name} names its image`);
      assert.match(image, /^[a-z0-9/._-]+:[A-Za-z0-9._-]+$/, `${name}: ${image} has a tag`);
      assert.doesNotMatch(image, /:latest$/, name);
    }
    assert.equal(file.services['nats']!.image, SERVICE_IMAGES.nats);
    assert.equal(file.services['minio']!.image, SERVICE_IMAGES.minio);
    assert.equal(file.services['minio-init']!.image, SERVICE_IMAGES.mc);
  });

  it('pins the NATS cluster overlay to the same NATS image', () => {
    // Any image the overlay names is one of the pinned service images: a floating tag such as
    // nats:2.10-alpine would run one version in node 1 (from the base file) and another in nodes 2 and 3.
    const file = parse(readFileSync(CLUSTER_FILE, 'utf8'), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    const pinned: readonly string[] = Object.values(SERVICE_IMAGES);
    for (const [name, service] of Object.entries(file.services)) {
      if (service.image !== undefined) assert.ok(pinned.includes(service.image), `${name}: ${service.image} is pinned`);
    }
    for (const name of ['nats-2', 'nats-3']) assert.equal(file.services[name]!.image, SERVICE_IMAGES.nats, name);
  });

  it('is valid for docker compose v2 (config -q), where the plugin is installed', async function () {
    if (!hasComposeV2()) {
      // CI installs Compose v1 (Debian's docker-compose) only; v1 checks the file above.
      console.warn('    (docker compose v2 is not installed here: checked with docker-compose v1 only)');
      this.skip();
    }
    const result = await composeWith(['docker', 'compose'], [COMPOSE_FILE], ['config', '-q']);
    assert.equal(result.code, 0, result.stderr);
  });
});

/** What npm installs with a packed package: its dependencies and its peers that are not optional, as packed. */
function installedDependencies(tarball: string): string[] {
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  ) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter(
    (peer) => manifest.peerDependenciesMeta?.[peer]?.optional !== true,
  );
  return [...Object.keys(manifest.dependencies ?? {}), ...peers];
}

/**
 * Whether the workspace's lockfile installs the package from a registry: such an entry carries the
 * tarball's integrity; a workspace package is a link and has none.
 */
function fromRegistry(name: string): boolean {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { integrity?: string; link?: boolean }>;
  };
  return Object.entries(lock.packages).some(
    ([path, entry]) => path.endsWith(`node_modules/${name}`) && entry.link !== true && entry.integrity !== undefined,
  );
}

describe('local stack: root Dockerfile', () => {
  it('builds its images from a multi-stage root Dockerfile that compiles the workspace', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));
    assert.deepEqual(stages, ['FROM node:20-slim AS build', 'FROM node:20-slim']);
    assert.match(dockerfile, /^RUN npm ci /m);
    assert.match(dockerfile, /^RUN npx tsc -b$/m);
  });

  it('puts into the image only the packed packages and their production dependencies, no test code', function () {
    this.timeout(120_000);
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    // Nothing of the workspace is copied as it is: only what tools/pack-image.js packed.
    assert.deepEqual(
      final.split('\n').filter((l) => l.startsWith('COPY')),
      ['COPY --from=build /packs /packs'],
    );
    assert.match(dockerfile, /^RUN node tools\/pack-image\.js \/packs$/m);
    assert.match(final, /npm install --omit=dev /);
    // The compose file's default module path exists in the image.
    assert.match(final, /ln -s \.\.\/node_modules\/@praas\/sample-\$s samples\/\$s/);
    // What the build stage packs: the published packages and the samples, never test or bench code.
    const out = mkdtempSync(join(tmpdir(), 'praas-image-packs-'));
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, 'tools', 'pack-image.js'), out], {
        cwd: REPO_ROOT,
        stdio: 'ignore',
      });
      const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
        overrides: Record<string, string>;
      };
      const names = Object.keys(pkg.dependencies).sort();
      assert.deepEqual(names, [
        '@praas/embedded',
        '@praas/framework',
        '@praas/gateway',
        '@praas/runtime',
        '@praas/sample-kmeans',
        '@praas/sample-latex-service',
        '@praas/sample-quickstart',
        '@praas/sample-wordcount',
        '@praas/samples-shared',
        'praas-framework',
      ]);
      assert.deepEqual(pkg.overrides, pkg.dependencies, 'siblings resolve to the tarballs, not to a registry');
      for (const spec of Object.values(pkg.dependencies)) {
        const tarball = spec.replace(/^file:/, '');
        assert.ok(existsSync(tarball), spec);
        const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
        assert.deepEqual(
          files.filter((f) => /^package\/(dist\/)?test\//.test(f)),
          [],
          `${spec} holds no test code`,
        );
      }
      // The image's npm install can only resolve what is packed or published: a workspace package that is
      // neither (a private one, such as the samples' shared code) would fail the image's build.
      for (const [name, spec] of Object.entries(pkg.dependencies)) {
        for (const dependency of installedDependencies(spec.replace(/^file:/, ''))) {
          assert.ok(
            dependency in pkg.dependencies || fromRegistry(dependency),
            `${name} depends on ${dependency}, which is neither packed by tools/pack-image.js nor on the registry`,
          );
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

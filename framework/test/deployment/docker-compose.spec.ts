import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/* The local stack's docker-compose.yml and the root Dockerfile it builds, checked with docker-compose itself. */

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

function hasDockerCompose(): boolean {
  const probe = spawnSync('docker-compose', ['version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

function compose(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // A clean environment, so the file's own defaults are what is checked.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' };
    execFile('docker-compose', ['-f', COMPOSE_FILE, ...args], { cwd: REPO_ROOT, env }, (error, stdout, stderr) => {
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
    assert.deepEqual(Object.keys(config.volumes).sort(), ['minio-data', 'nats-data']);

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

describe('local stack: root Dockerfile', () => {
  it('builds its images from a multi-stage root Dockerfile that compiles the workspace', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));
    assert.deepEqual(stages, ['FROM node:20-slim AS build', 'FROM node:20-slim']);
    assert.match(dockerfile, /^RUN npm ci /m);
    assert.match(dockerfile, /^RUN npx tsc -b$/m);
    assert.match(dockerfile, /^COPY --from=build \/src\/framework \.\/framework$/m);
  });
});

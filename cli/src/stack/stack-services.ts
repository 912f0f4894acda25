import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { InvalidArgumentError } from '@praas/framework/internal';
import { startChildService, type ChildService } from './child-service';

/** An executable on PATH. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory; try the next one
    }
  }
  return undefined;
}

const NATS_LISTENING = /Listening for client connections on (\S+):(\d+)[\s\S]*Server is ready/;

/**
 * nats-server (PRAAS_NATS_SERVER_BIN, else from PATH) with JetStream, storing under `dir`, on loopback (`port` 0: a free one),
 * with the users of `configFile` when given.
 * @throws InvalidArgumentError saying how to install nats-server when it is not on PATH.
 */
export async function startNatsServer(
  dir: string,
  port: number,
  logFile: string,
  configFile?: string,
): Promise<ChildService<string>> {
  const binary = process.env['PRAAS_NATS_SERVER_BIN']?.trim() || findExecutable('nats-server');
  if (binary === undefined) {
    throw new InvalidArgumentError(
      'praas-framework up needs the nats-server binary on PATH, and found none. Install it: ' +
        'apt-get install nats-server (Debian, Ubuntu; it goes to /usr/sbin, which must be on PATH), ' +
        'brew install nats-server (macOS), or go install github.com/nats-io/nats-server/v2@latest; ' +
        'or set PRAAS_NATS_SERVER_BIN to its path. Then run praas-framework up again',
    );
  }
  mkdirSync(dir, { recursive: true });
  return startChildService({
    label: 'nats-server',
    command: binary,
    // -1 lets nats-server pick a free port; it prints the one it took.
    // The flags override the configuration's listen address, port and store.
    args: [
      ...(configFile === undefined ? [] : ['-c', configFile]),
      '-js',
      '-sd',
      dir,
      '-a',
      '127.0.0.1',
      '-p',
      port === 0 ? '-1' : String(port),
    ],
    env: process.env,
    logFile,
    ready: (output) => {
      const m = NATS_LISTENING.exec(output);
      return m === null ? undefined : `nats://${m[1]}:${m[2]}`;
    },
    readyTimeoutMs: 30_000,
  });
}

/** Where swapped state and deployed code go: an S3 endpoint and its credentials. */
export interface S3Endpoint {
  /** What serves it: `PRAAS_S3_ENDPOINT` (not ours to start), MinIO's `minio server`, or s3rver. */
  readonly kind: 'environment' | 'minio' | 's3rver';
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  /** The OS process serving it, when up started one. */
  readonly service?: ChildService<string>;
}

/** What to say when no S3 endpoint can be had; the README says the same. */
export const NO_S3_ENDPOINT =
  'praas-framework up needs an S3 endpoint for swapped state and found none. Either set PRAAS_S3_ENDPOINT ' +
  '(with PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY) to one you have, put MinIO\'s "minio" binary on PATH, ' +
  'or install s3rver in the project (npm install --save-dev s3rver@3.7.1: a small S3 server in Node.js) ' +
  'and up starts it';

/**
 * The stack's S3 endpoint: the one `PRAAS_S3_ENDPOINT` names; else `minio server` from PATH; else
 * s3rver when the project (or this CLI) can resolve it. Each started server stores under `dir`.
 * @throws InvalidArgumentError with {@link NO_S3_ENDPOINT} when none is available.
 */
export async function s3Endpoint(
  env: NodeJS.ProcessEnv,
  dir: string,
  projectDir: string,
  logFile: string,
): Promise<S3Endpoint> {
  const bucket = env['PRAAS_S3_BUCKET']?.trim() || 'praas';
  const given = env['PRAAS_S3_ENDPOINT']?.trim();
  if (given) {
    const accessKey = env['PRAAS_S3_ACCESS_KEY']?.trim();
    const secretKey = env['PRAAS_S3_SECRET_KEY']?.trim();
    if (!accessKey || !secretKey)
      throw new InvalidArgumentError(
        `PRAAS_S3_ENDPOINT is set (${given}); set PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY to its credentials too`,
      );
    return { kind: 'environment', endpoint: given, accessKey, secretKey, bucket };
  }
  mkdirSync(dir, { recursive: true });
  const minio = findExecutable('minio');
  if (minio !== undefined) {
    const accessKey = `praas-${randomBytes(4).toString('hex')}`;
    const secretKey = randomBytes(18).toString('base64url');
    const [api, consolePort] = [await loopbackPort(), await loopbackPort()];
    const service = await startChildService({
      label: 'minio',
      command: minio,
      args: ['server', dir, '--address', `127.0.0.1:${api}`, '--console-address', `127.0.0.1:${consolePort}`],
      env: { ...process.env, MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey },
      logFile,
      ready: (output) => (output.includes(`127.0.0.1:${api}`) ? `http://127.0.0.1:${api}` : undefined),
      readyTimeoutMs: 30_000,
    });
    return { kind: 'minio', endpoint: service.readyValue, accessKey, secretKey, bucket, service };
  }
  let s3rverPackage: string;
  try {
    s3rverPackage = require.resolve('s3rver/package.json', { paths: [projectDir, process.cwd(), __dirname] });
  } catch {
    throw new InvalidArgumentError(NO_S3_ENDPOINT);
  }
  const service = await startChildService({
    label: 's3rver',
    command: process.execPath,
    args: [join(dirname(s3rverPackage), 'bin', 's3rver.js'), '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent'],
    env: process.env,
    logFile,
    ready: (output) => {
      const port = /S3rver listening on \S+:(\d+)/.exec(output)?.[1];
      return port === undefined ? undefined : `http://127.0.0.1:${port}`;
    },
    readyTimeoutMs: 30_000,
  });
  // s3rver accepts only these credentials.
  return { kind: 's3rver', endpoint: service.readyValue, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket, service };
}

/** A loopback port free right now, for a server that cannot pick its own and say which. */
async function loopbackPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((closed) => probe.close(() => closed()));
  return port;
}

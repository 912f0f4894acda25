import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AlreadyExistsError,
  appNatsCredentials,
  gatewayNatsCredentials,
  PraasClient,
  renderNatsServerConfig,
  type NatsCredentials,
} from '@praas/framework/internal';
import { loadPeer } from '../load-module';
import { startChildService, type ChildService } from './child-service';
import { s3Endpoint, startNatsServer, type S3Endpoint } from './stack-services';

type GatewayModule = typeof import('@praas/gateway');

/** What `praas-framework up` starts. */
export interface LocalStackOptions {
  readonly app: string;
  /** The compiled module whose `@Process` classes the hosts run. */
  readonly modulePath: string;
  readonly projectDir: string;
  /** NATS store, S3 data, token file and the services' logs go here. */
  readonly dataDir: string;
  readonly hosts: number;
  /** Address the gateway listens on. */
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** NATS client port (0: a free one). */
  readonly natsPort: number;
  /** Serve without bearer tokens, and run nats-server without users. */
  readonly noAuth: boolean;
}

/** The running stack: where everything listens, and how to stop it. */
export interface LocalStack {
  readonly natsUrl: string;
  readonly s3: S3Endpoint;
  readonly httpUrl: string;
  readonly grpcAddress: string;
  /** The admin token callers present (none with `noAuth`). */
  readonly token?: string;
  readonly tokensFile?: string;
  /** The nats-server configuration with the users of the gateway and the application (none with `noAuth`). */
  readonly natsConfigFile?: string;
  readonly logDir: string;
  /** Every OS process the stack started, in start order. */
  readonly services: readonly ChildService<unknown>[];
  /** Resolves with a description when any service ends on its own. */
  readonly failed: Promise<string>;
  /** Stops the hosts (they swap their processes out), then the gateway, S3 and NATS. */
  stop(): Promise<void>;
}

const GATEWAY_LISTENING = /praas gateway listening (https?:\/\/\S+) grpc (\S+)/;
/** A host swaps its processes out to S3 when it stops; give it time before it is killed. */
const HOST_STOP_GRACE_MS = 60_000;
const SERVICE_STOP_GRACE_MS = 10_000;

/**
 * Starts nats-server, an S3 endpoint, a gateway and `hosts` runtime hosts as OS processes, each
 * waited for until it says it is ready. On a failure everything started so far is stopped again.
 */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const logDir = join(o.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started: ChildService<unknown>[] = [];
  const stopAll = async (): Promise<void> => {
    const hosts = started.filter((s) => s.label.startsWith('host '));
    await Promise.all(hosts.map((s) => s.stop(HOST_STOP_GRACE_MS)));
    for (const s of started.filter((s) => !hosts.includes(s)).reverse()) await s.stop(SERVICE_STOP_GRACE_MS);
  };
  try {
    const natsUsers = o.noAuth ? undefined : natsAuthorization(o.dataDir, o.app);
    const nats = await startNatsServer(
      join(o.dataDir, 'nats'),
      o.natsPort,
      join(logDir, 'nats-server.log'),
      natsUsers?.file,
    );
    started.push(nats);
    const s3 = await s3Endpoint(process.env, join(o.dataDir, 's3'), o.projectDir, join(logDir, 's3.log'));
    if (s3.service) started.push(s3.service);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PRAAS_NATS_URL: nats.readyValue,
      PRAAS_S3_ENDPOINT: s3.endpoint,
      PRAAS_S3_ACCESS_KEY: s3.accessKey,
      PRAAS_S3_SECRET_KEY: s3.secretKey,
      PRAAS_S3_BUCKET: s3.bucket,
      // The direct data plane's handshake secret (DESIGN §8a), fresh for each stack.
      PRAAS_DATA_SECRET: randomBytes(24).toString('base64url'),
    };
    const credentials = o.noAuth ? undefined : adminToken(o.dataDir);
    const gateway = await startChildService({
      label: 'gateway',
      command: process.execPath,
      args: [cliMain(), 'gateway', ...(credentials === undefined ? ['--no-auth'] : [])],
      env: {
        ...env,
        PRAAS_HOST: o.host,
        PRAAS_HTTP_PORT: String(o.httpPort),
        PRAAS_GRPC_PORT: String(o.grpcPort),
        ...(credentials === undefined ? {} : { PRAAS_TOKENS_FILE: credentials.file }),
        ...natsEnv(natsUsers?.gateway),
      },
      logFile: join(logDir, 'gateway.log'),
      ready: (output) => GATEWAY_LISTENING.exec(output) ?? undefined,
      readyTimeoutMs: 60_000,
    });
    started.push(gateway);
    const [, httpUrl, grpcAddress] = gateway.readyValue as unknown as [string, string, string];
    await createApp(httpUrl, o.app, credentials?.token);
    const hosts = await Promise.allSettled(
      Array.from({ length: o.hosts }, (_, i) => {
        const hostId = `${o.app}-host-${i + 1}`;
        return startChildService({
          label: `host ${hostId}`,
          command: process.execPath,
          args: [cliMain(), 'host'],
          env: {
            ...env,
            PRAAS_APP: o.app,
            PRAAS_HOST_ID: hostId,
            PRAAS_MODULE: o.modulePath,
            ...natsEnv(natsUsers?.app),
          },
          logFile: join(logDir, `${hostId}.log`),
          ready: (output) => (output.includes(`praas host ${hostId} serving ${o.app} on `) ? true : undefined),
          readyTimeoutMs: 60_000,
        });
      }),
    );
    for (const h of hosts) if (h.status === 'fulfilled') started.push(h.value);
    const hostFailure = hosts.find((h) => h.status === 'rejected');
    if (hostFailure !== undefined) throw hostFailure.reason;
    const failed = Promise.race(started.map((s) => s.exited.then((how) => `${s.label} ended (${how})`)));
    return {
      natsUrl: nats.readyValue,
      s3,
      httpUrl,
      grpcAddress,
      ...(credentials === undefined ? {} : { token: credentials.token, tokensFile: credentials.file }),
      ...(natsUsers === undefined ? {} : { natsConfigFile: natsUsers.file }),
      logDir,
      services: started,
      failed,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The CLI's own entry, so the gateway and the hosts run the packages this CLI runs with. */
function cliMain(): string {
  return join(__dirname, '..', 'main.js');
}

/**
 * Writes a nats-server configuration (readable by its owner only) with a user for the gateway and
 * one for the application, whose hosts may then use only its subjects, backup stream and registry
 * keys; passwords come from a master secret fresh for each stack.
 */
function natsAuthorization(
  dataDir: string,
  app: string,
): { file: string; gateway: NatsCredentials; app: NatsCredentials } {
  const secret = randomBytes(24).toString('base64url');
  const file = join(dataDir, 'nats.conf');
  writeFileSync(file, renderNatsServerConfig({ secret, apps: [app], host: '127.0.0.1' }), { mode: 0o600 });
  return { file, gateway: gatewayNatsCredentials({ secret }), app: appNatsCredentials({ secret }, app) };
}

function natsEnv(credentials: NatsCredentials | undefined): Record<string, string> {
  return credentials === undefined
    ? {}
    : { PRAAS_NATS_USER: credentials.user, PRAAS_NATS_PASSWORD: credentials.password };
}

/** Writes a token file with one fresh admin token (readable by its owner only). */
function adminToken(dataDir: string): { file: string; token: string } {
  const { newToken } = loadPeer<GatewayModule>('@praas/gateway');
  const made = newToken('up-admin', ['admin']);
  const file = join(dataDir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ tokens: [made.entry] }, null, 2) + '\n', { mode: 0o600 });
  return { file, token: made.token };
}

/** Registers the application, so that its first request finds it; one that exists (a kept data dir) is fine. */
async function createApp(url: string, app: string, token: string | undefined): Promise<void> {
  const client = new PraasClient({ url, ...(token === undefined ? {} : { token }) });
  try {
    await client.createApp(app);
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
  } finally {
    await client.close();
  }
}

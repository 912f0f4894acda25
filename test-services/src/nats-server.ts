import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { launchNatsServer, requireNatsBinary, type NatsServerChild } from './nats-server-child';

/** Options of {@link startNats}. */
export interface StartNatsOptions {
  /** Largest message the server accepts, in bytes (nats-server's default is 1 MiB). */
  readonly maxPayload?: number;
  /** Ignore `PRAAS_NATS_URL` and start a server of our own (needed for `restart`). */
  readonly ownServer?: boolean;
  /**
   * More nats-server configuration, e.g. the `authorization` block `renderNatsServerConfig` writes
   * (its port and store settings are overridden by the ones the server is started with). Implies
   * `ownServer`: a server given by `PRAAS_NATS_URL` does not have it.
   */
  readonly config?: string;
}

/** A NATS server with JetStream for a test suite or a benchmark. */
export interface NatsService {
  /** `nats://host:port` of the server. */
  readonly url: string;
  /** How it runs: `external` (PRAAS_NATS_URL), `container` (testcontainers) or `binary` (a nats-server child process). */
  readonly kind: 'external' | 'container' | 'binary';
  /** Whether `restart` works (not for an external server). */
  readonly restartable: boolean;
  /** Stops the server and removes what it stored; a no-op for an external server. */
  stop(): Promise<void>;
  /** Stops the server gracefully and starts it again on the same address with the same store (JetStream data survives). */
  restart(): Promise<void>;
}

/**
 * Starts a NATS server with JetStream for tests (DESIGN §9): the server named by `PRAAS_NATS_URL`
 * when set; else a testcontainers NATS container when a Docker engine answers; else the
 * `nats-server` binary on a free loopback port with a temporary store directory.
 * @throws Error with installation advice when neither Docker nor the binary is available.
 * @example
 * ```ts
 * const nats = await startNats();
 * // ... connect to nats.url ...
 * await nats.stop();
 * ```
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsService> {
  const external = process.env['PRAAS_NATS_URL'];
  if (external && !options.ownServer && options.config === undefined) return externalNats(external);
  if (dockerAnswers()) return startContainer(options);
  return startBinary(options);
}

function externalNats(url: string): NatsService {
  const unsupported = (): Promise<void> =>
    Promise.reject(
      new Error(`cannot restart the NATS server at ${url}: it was given by PRAAS_NATS_URL and is not ours to control`),
    );
  return { url, kind: 'external', restartable: false, stop: () => Promise.resolve(), restart: unsupported };
}

/** True when a Docker engine answers within a few seconds. */
function dockerAnswers(): boolean {
  const probe = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 3_000, stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

function configText(options: StartNatsOptions): string {
  return (options.maxPayload === undefined ? '' : `max_payload: ${options.maxPayload}\n`) + (options.config ?? '');
}

async function startContainer(options: StartNatsOptions): Promise<NatsService> {
  const { NatsContainer } = await import('@testcontainers/nats');
  let container = new NatsContainer('nats:2.9.10-alpine').withJetStream();
  const config = configText(options);
  if (config) {
    container = container
      .withCopyContentToContainer([{ content: config, target: '/etc/praas/nats.conf' }])
      .withArg('--config', '/etc/praas/nats.conf');
  }
  const started = await container.start();
  const url = `nats://${started.getHost()}:${started.getMappedPort(4222)}`;
  return {
    url,
    kind: 'container',
    restartable: true,
    stop: async () => {
      await started.stop();
    },
    restart: async () => {
      await started.restart();
      const now = `nats://${started.getHost()}:${started.getMappedPort(4222)}`;
      if (now !== url)
        throw new Error(`the restarted NATS container moved from ${url} to ${now}; clients cannot follow`);
    },
  };
}

async function startBinary(options: StartNatsOptions): Promise<NatsService> {
  const binary = requireNatsBinary(
    'point PRAAS_NATS_URL at a NATS server with JetStream, or run a Docker engine',
    'no nats-server binary found and no Docker engine answers',
  );
  const dir = mkdtempSync(join(tmpdir(), 'praas-nats-'));
  const port = await freePort();
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'store')];
  const config = configText(options);
  if (config) {
    writeFileSync(join(dir, 'nats.conf'), config);
    args.push('-c', join(dir, 'nats.conf'));
  }
  let child: NatsServerChild | undefined;
  const launch = async (): Promise<void> => {
    child = await launchNatsServer(binary, args, port);
  };
  const halt = async (): Promise<void> => {
    const running = child;
    child = undefined;
    await running?.stop();
  };
  try {
    await launch();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    kind: 'binary',
    restartable: true,
    stop: async () => {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await halt();
      await launch();
    },
  };
}

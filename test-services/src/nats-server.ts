import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port';

/** Options of {@link startNats}. */
export interface StartNatsOptions {
  /** Largest message the server accepts, in bytes (nats-server's default is 1 MiB). */
  readonly maxPayload?: number;
  /** Ignore `PRAAS_NATS_URL` and start a server of our own (needed for `restart`). */
  readonly ownServer?: boolean;
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

const READY_TIMEOUT_MS = 15_000;

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
  if (external && !options.ownServer) return externalNats(external);
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
  return options.maxPayload === undefined ? '' : `max_payload: ${options.maxPayload}\n`;
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

/** The nats-server executable: PRAAS_NATS_SERVER_BIN, else on PATH, else where Debian installs it. */
function findBinary(): string | undefined {
  const candidates = [
    process.env['PRAAS_NATS_SERVER_BIN'],
    ...(process.env['PATH'] ?? '').split(delimiter).map((dir) => (dir ? join(dir, 'nats-server') : undefined)),
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function startBinary(options: StartNatsOptions): Promise<NatsService> {
  const binary = findBinary();
  if (!binary) {
    const advice =
      'install it (Debian/Ubuntu: apt-get install nats-server), set PRAAS_NATS_SERVER_BIN, ' +
      'point PRAAS_NATS_URL at a NATS server with JetStream, or run a Docker engine';
    throw new Error(
      process.env['CI'] === 'true'
        ? `CI: the end-to-end suites need NATS and none is available: ${advice}`
        : `no nats-server binary found and no Docker engine answers: ${advice}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'praas-nats-'));
  const port = await freePort();
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'store')];
  const config = configText(options);
  if (config) {
    writeFileSync(join(dir, 'nats.conf'), config);
    args.push('-c', join(dir, 'nats.conf'));
  }
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let log = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (log.length < 20_000) log += chunk.toString();
    });
    await waitReady(proc, port, () => log);
  };
  const halt = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await launch();
  } catch (e) {
    await halt();
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

/** Resolves once the server sends its INFO line on `port`; fails early when the process exits. */
async function waitReady(proc: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`nats-server exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${log()}`);
    }
    if (await answersInfo(port)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `nats-server did not accept connections on port ${port} within ${READY_TIMEOUT_MS} ms:\n${log()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function answersInfo(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString().startsWith('INFO')));
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { delimiter, join } from 'node:path';

/** A nats-server OS process started by {@link launchNatsServer}, accepting clients. */
export interface NatsServerChild {
  /** Whether the process still runs. */
  alive(): boolean;
  /** What it printed on standard error (its log), up to 20 000 characters. */
  log(): string;
  /** SIGTERM (SIGKILL after 5 s): the server shuts down cleanly; resolves once it exited. */
  stop(): Promise<void>;
  /** SIGKILL: the server dies on the spot, as on a machine failure; resolves once it exited. */
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

/** The nats-server executable: PRAAS_NATS_SERVER_BIN, else on PATH, else where Debian installs it. */
export function findNatsBinary(): string | undefined {
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

/**
 * The nats-server executable, or an Error saying how to get one (`otherwise`: what else would do;
 * `missing`: what is missing, outside CI).
 */
export function requireNatsBinary(otherwise: string, missing: string): string {
  const binary = findNatsBinary();
  if (binary) return binary;
  const advice = `install it (Debian/Ubuntu: apt-get install nats-server), set PRAAS_NATS_SERVER_BIN, ${otherwise}`;
  throw new Error(
    process.env['CI'] === 'true'
      ? `CI: the end-to-end suites need NATS and none is available: ${advice}`
      : `${missing}: ${advice}`,
  );
}

/** Resolves once the server sends its INFO line on `port`; fails early when the process exits. */
async function waitNatsReady(proc: ChildProcess, port: number, log: () => string): Promise<void> {
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

/**
 * Runs `binary` with `args` and resolves once it accepts clients on `port`.
 * @throws Error with the server's log when it exits or stays silent; it is killed then.
 */
export async function launchNatsServer(
  binary: string,
  args: readonly string[],
  port: number,
): Promise<NatsServerChild> {
  const proc: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    if (log.length < 20_000) log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  const kill = async (): Promise<void> => {
    if (alive()) proc.kill('SIGKILL');
    await exited;
  };
  try {
    await waitNatsReady(proc, port, () => log);
  } catch (e) {
    await kill();
    throw e;
  }
  return {
    alive,
    log: () => log,
    kill,
    stop: async () => {
      if (!alive()) return exited;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

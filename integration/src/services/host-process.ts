import { spawn, type ChildProcess } from 'node:child_process';
import { encodeWire, hostSubject, NatsTransport, NoRespondersError } from '@praas/framework';

/** Options of {@link spawnHost}. */
export interface SpawnHostOptions {
  readonly natsUrl: string;
  readonly app: string;
  readonly hostId: string;
  /** Compiled JS module exporting the `@Process` classes; without it the host runs the app's deployed code. */
  readonly modulePath?: string;
  /** Directory of the host's file-system swap store (unless `env` names an S3 endpoint). */
  readonly swapDir?: string;
  /** More environment for the host (e.g. PRAAS_S3_*, PRAAS_HEARTBEAT_MS, PRAAS_HOST_STALE_MS). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the ready line (default 20 000 ms). */
  readonly readyTimeoutMs?: number;
  /**
   * Text whose appearance in the host's output counts as ready (default: its `serving <app> on`
   * line), e.g. the line of a host that started but cannot load its application's code.
   */
  readonly ready?: string;
}

/** A runtime host running as its own OS process (`runtime/dist/src/main/host-main.js`). */
export interface HostProcess {
  readonly id: string;
  readonly pid: number;
  /** Whether the OS process is still running. */
  alive(): boolean;
  /** Everything the host printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM: the host swaps its processes out and exits; resolves with its exit code. */
  stop(): Promise<number | null>;
  /**
   * SIGKILL: the host dies on the spot, as on a machine failure. Resolves once nats-server has
   * dropped the dead host's subscriptions too: a request published before that goes to the dead
   * connection and times out, which would make what a test sees next depend on timing.
   */
  kill(): Promise<void>;
}

const HOST_MAIN = require.resolve('@praas/runtime/dist/src/main/host-main.js');

/**
 * Starts a runtime host OS process and resolves once it printed its ready line.
 * @throws Error with the host's output when it exits or stays silent.
 */
export async function spawnHost(options: SpawnHostOptions): Promise<HostProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', HOST_MAIN], {
    env: {
      ...process.env,
      PRAAS_NATS_URL: options.natsUrl,
      PRAAS_APP: options.app,
      PRAAS_HOST_ID: options.hostId,
      ...(options.modulePath === undefined ? {} : { PRAAS_MODULE: options.modulePath }),
      ...(options.swapDir === undefined ? {} : { PRAAS_SWAP_DIR: options.swapDir }),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (chunk: Buffer): void => {
    if (log.length < 100_000) log += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = options.ready ?? `praas host ${options.hostId} serving ${options.app} on `;
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`host ${options.hostId} not ready in ${timeoutMs} ms:\n${log}`)),
        timeoutMs,
      );
      const check = (): void => {
        if (log.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`host ${options.hostId} exited (${code}) before it was ready:\n${log}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    id: options.hostId,
    pid: child.pid ?? -1,
    alive,
    output: () => log,
    stop: async () => {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      const wasAlive = alive();
      if (wasAlive) child.kill('SIGKILL');
      await exited;
      if (wasAlive) await untilNatsDropped(options.natsUrl, options.app, options.hostId);
    },
  };
}

/** Polls the host's control subject until nats-server answers that nobody serves it. */
async function untilNatsDropped(natsUrl: string, app: string, hostId: string): Promise<void> {
  const transport = await NatsTransport.connect({ servers: natsUrl, name: 'praas-test-kill-check' });
  try {
    const probe = encodeWire({ op: 'describe', app, pid: '-' });
    for (const end = Date.now() + 15_000; Date.now() < end;) {
      const dropped = await transport.request(hostSubject(app, hostId), probe, { timeoutMs: 500 }).then(
        () => false,
        (e: unknown) => e instanceof NoRespondersError,
      );
      if (dropped) return;
    }
    throw new Error(`nats-server still routes to host ${hostId} 15 s after it was killed`);
  } finally {
    await transport.close();
  }
}

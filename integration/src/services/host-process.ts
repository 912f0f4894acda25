import { dirname, join } from 'node:path';
import { encodeWire, hostSubject, NoRespondersError } from '@praas/framework/internal';
import { NatsTransport } from '@praas/framework/nats';
import { spawnNodeMain } from './node-child';

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
  /**
   * How the host starts (default `host-main`): `node runtime/dist/src/main/host-main.js`, or `cli`:
   * `praas-framework host`, as docker compose, Kubernetes and `praas-framework up` run it.
   */
  readonly entry?: HostEntry;
}

/** The two entry points of a runtime host OS process. */
export type HostEntry = 'host-main' | 'cli';

/** A runtime host running as its own OS process (`host-main.js` or `praas-framework host`). */
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

/**
 * Environment for hosts that heartbeat every 200 ms and count as dead after 1.5 s, so a test of
 * host failure and recovery need not wait the default 10 s; gateways take PRAAS_HOST_STALE_MS too.
 */
export const FAST_FAILURE_ENV = { PRAAS_HEARTBEAT_MS: '200', PRAAS_HOST_STALE_MS: '1500' } as const;

const HOST_MAIN = require.resolve('@praas/runtime/host-main');
const CLI_BIN = join(dirname(require.resolve('praas-framework/package.json')), 'bin', 'praas-framework.js');

/**
 * Starts a runtime host OS process and resolves once it printed its ready line.
 * @throws Error with the host's output when it exits or stays silent.
 */
export async function spawnHost(options: SpawnHostOptions): Promise<HostProcess> {
  const ready = options.ready ?? `praas host ${options.hostId} serving ${options.app} on `;
  const child = await spawnNodeMain({
    ...(options.entry === 'cli' ? { main: CLI_BIN, args: ['host'] } : { main: HOST_MAIN }),
    env: {
      ...process.env,
      PRAAS_NATS_URL: options.natsUrl,
      PRAAS_APP: options.app,
      PRAAS_HOST_ID: options.hostId,
      ...(options.modulePath === undefined ? {} : { PRAAS_MODULE: options.modulePath }),
      ...(options.swapDir === undefined ? {} : { PRAAS_SWAP_DIR: options.swapDir }),
      ...options.env,
    },
    label: `host ${options.hostId}`,
    logLimit: 100_000,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    ready: (log) => (log.includes(ready) ? true : undefined),
    notReady: 'ready',
  });
  return {
    id: options.hostId,
    pid: child.pid,
    alive: child.alive,
    output: child.output,
    stop: child.stop,
    kill: async () => {
      const wasAlive = child.alive();
      await child.kill();
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

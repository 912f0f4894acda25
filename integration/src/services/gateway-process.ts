import { spawn, type ChildProcess } from 'node:child_process';

/** Options of {@link spawnGateway}. */
export interface SpawnGatewayOptions {
  readonly natsUrl: string;
  /** More environment for the gateway (e.g. PRAAS_DOWNSCALE_INTERVAL_MS, PRAAS_BODY_LIMIT). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the listening line (default 20 000 ms). */
  readonly readyTimeoutMs?: number;
}

/** A gateway running as its own OS process (`gateway/dist/src/gateway-main.js`) on NATS. */
export interface GatewayProcess {
  readonly pid: number;
  /** Base URL of its REST API, e.g. `http://127.0.0.1:40123`. */
  readonly httpUrl: string;
  readonly httpPort: number;
  /** `host:port` of its gRPC service. */
  readonly grpcAddress: string;
  /** Whether the OS process is still running. */
  alive(): boolean;
  /** Everything the gateway printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM: the gateway stops its servers and exits; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the gateway dies on the spot. */
  kill(): Promise<void>;
}

const GATEWAY_MAIN = require.resolve('@praas/gateway/dist/src/gateway-main.js');
const LISTENING = /praas gateway listening http:\/\/(\S+):(\d+) grpc (\S+):(\d+)/;

/**
 * Starts a gateway OS process on loopback with ports the system picks (PRAAS_HTTP_PORT and
 * PRAAS_GRPC_PORT 0) and resolves once it printed where it listens.
 * @throws Error with the gateway's output when it exits or stays silent.
 */
export async function spawnGateway(options: SpawnGatewayOptions): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', GATEWAY_MAIN], {
    env: {
      ...process.env,
      PRAAS_NATS_URL: options.natsUrl,
      PRAAS_HOST: '127.0.0.1',
      PRAAS_HTTP_PORT: '0',
      PRAAS_GRPC_PORT: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (chunk: Buffer): void => {
    if (log.length < 200_000) log += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  let match: RegExpExecArray;
  try {
    match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway not listening in ${timeoutMs} ms:\n${log}`)), timeoutMs);
      const check = (): void => {
        const m = LISTENING.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited (${code}) before it listened:\n${log}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const [, httpHost, httpPort, grpcHost, grpcPort] = match as unknown as [string, string, string, string, string];
  return {
    pid: child.pid ?? -1,
    httpUrl: `http://${httpHost}:${httpPort}`,
    httpPort: Number(httpPort),
    grpcAddress: `${grpcHost}:${grpcPort}`,
    alive,
    output: () => log,
    stop: async () => {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}

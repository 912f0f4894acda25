import { spawnNodeMain, type ChildControls } from './node-child';

/** Options of {@link spawnGateway}. */
export interface SpawnGatewayOptions {
  readonly natsUrl: string;
  /** More environment for the gateway (e.g. PRAAS_DOWNSCALE_INTERVAL_MS, PRAAS_BODY_LIMIT). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the listening line (default 20 000 ms). */
  readonly readyTimeoutMs?: number;
}

/**
 * A gateway running as its own OS process (`gateway/dist/src/gateway-main.js`) on NATS: `stop`
 * (SIGTERM) lets it stop its servers and exit, `kill` (SIGKILL) makes it die on the spot.
 */
export interface GatewayProcess extends ChildControls {
  /** Base URL of its REST API, e.g. `http://127.0.0.1:40123`. */
  readonly httpUrl: string;
  readonly httpPort: number;
  /** `host:port` of its gRPC service. */
  readonly grpcAddress: string;
}

const GATEWAY_MAIN = require.resolve('@praas/gateway/dist/src/gateway-main.js');
const LISTENING = /praas gateway listening http:\/\/(\S+):(\d+) grpc (\S+):(\d+)/;

/**
 * Starts a gateway OS process on loopback with ports the system picks (PRAAS_HTTP_PORT and
 * PRAAS_GRPC_PORT 0) and resolves once it printed where it listens.
 * @throws Error with the gateway's output when it exits or stays silent.
 */
export async function spawnGateway(options: SpawnGatewayOptions): Promise<GatewayProcess> {
  const child = await spawnNodeMain({
    main: GATEWAY_MAIN,
    env: {
      ...process.env,
      PRAAS_NATS_URL: options.natsUrl,
      PRAAS_HOST: '127.0.0.1',
      PRAAS_HTTP_PORT: '0',
      PRAAS_GRPC_PORT: '0',
      ...options.env,
    },
    label: 'gateway',
    logLimit: 200_000,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    ready: (log) => LISTENING.exec(log) ?? undefined,
    notReady: 'listening',
  });
  const [, httpHost, httpPort, grpcHost, grpcPort] = child.readyValue as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    pid: child.pid,
    httpUrl: `http://${httpHost}:${httpPort}`,
    httpPort: Number(httpPort),
    grpcAddress: `${grpcHost}:${grpcPort}`,
    alive: child.alive,
    output: child.output,
    stop: child.stop,
    kill: child.kill,
  };
}

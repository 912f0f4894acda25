import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken, type TokenEntry } from '@praas/gateway';
import { spawnNodeMain, type ChildControls } from './node-child';

/** Options of {@link spawnGateway}. */
export interface SpawnGatewayOptions {
  readonly natsUrl: string;
  /** More environment for the gateway (e.g. PRAAS_DOWNSCALE_INTERVAL_MS, PRAAS_BODY_LIMIT). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The token file the gateway checks callers against (PRAAS_TOKENS_FILE) and the admin token in it,
   * to share one among gateways. Default: a file of the gateway's own with one admin token.
   */
  readonly tokens?: TestTokens;
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
  /** An admin token of the gateway. */
  readonly token: string;
  /** `Authorization` header value of {@link token}. */
  readonly authorization: string;
}

/** A token file for gateways under test, with one admin token in it. */
export interface TestTokens {
  readonly file: string;
  /** The admin token. */
  readonly token: string;
  /** Removes the file. */
  remove(): void;
}

/** Makes a token file holding one admin token (and `more` entries, e.g. of per-application tokens). */
export function makeTestTokens(more: readonly TokenEntry[] = []): TestTokens {
  const dir = mkdtempSync(join(tmpdir(), 'praas-gateway-tokens-'));
  const made = newToken('test-admin', ['admin']);
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ tokens: [made.entry, ...more] }), { mode: 0o600 });
  return { file, token: made.token, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const GATEWAY_MAIN = require.resolve('@praas/gateway/gateway-main');
const LISTENING = /praas gateway listening (https?):\/\/(\S+):(\d+) grpc (\S+):(\d+)/;

/**
 * Starts a gateway OS process on loopback with ports the system picks (PRAAS_HTTP_PORT and
 * PRAAS_GRPC_PORT 0) and resolves once it printed where it listens.
 * @throws Error with the gateway's output when it exits or stays silent.
 */
export async function spawnGateway(options: SpawnGatewayOptions): Promise<GatewayProcess> {
  const own = options.tokens === undefined ? makeTestTokens() : undefined;
  const tokens = options.tokens ?? own!;
  const removeDir = (): void => own?.remove();
  const spawned = spawnNodeMain({
    main: GATEWAY_MAIN,
    env: {
      ...process.env,
      PRAAS_NATS_URL: options.natsUrl,
      PRAAS_HOST: '127.0.0.1',
      PRAAS_HTTP_PORT: '0',
      PRAAS_GRPC_PORT: '0',
      PRAAS_TOKENS_FILE: tokens.file,
      ...options.env,
    },
    label: 'gateway',
    logLimit: 200_000,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    ready: (log) => LISTENING.exec(log) ?? undefined,
    notReady: 'listening',
  });
  let child: Awaited<typeof spawned>;
  try {
    child = await spawned;
  } catch (e) {
    removeDir();
    throw e;
  }
  const [, scheme, httpHost, httpPort, grpcHost, grpcPort] = child.readyValue as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    pid: child.pid,
    httpUrl: `${scheme}://${httpHost}:${httpPort}`,
    httpPort: Number(httpPort),
    grpcAddress: `${grpcHost}:${grpcPort}`,
    alive: child.alive,
    output: child.output,
    token: tokens.token,
    authorization: `Bearer ${tokens.token}`,
    stop: async () => {
      try {
        return await child.stop();
      } finally {
        removeDir();
      }
    },
    kill: async () => {
      try {
        return await child.kill();
      } finally {
        removeDir();
      }
    },
  };
}

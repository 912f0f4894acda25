import { spawn, type ChildProcess } from 'node:child_process';

/** Options of {@link startGatewayProcess}. */
export interface GatewayProcessOptions {
  readonly natsUrl: string;
  /** More environment (e.g. PRAAS_S3_* so the gateway accepts deployments). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the listening line (default 20 000 ms). */
  readonly readyTimeoutMs?: number;
}

/** A gateway running as its own OS process (`gateway/dist/src/gateway-main.js`) on free loopback ports. */
export interface GatewayProcess {
  /** Base URL of its REST API, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Everything the gateway printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const GATEWAY_MAIN = require.resolve('@praas/gateway/dist/src/gateway-main.js');
const LISTENING = /praas gateway listening (http:\/\/\S+) grpc /;

/**
 * Starts a gateway OS process on NATS with ports the system picks, and resolves once it printed
 * where it listens.
 * @throws Error with the gateway's output when it exits or stays silent.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--enable-source-maps', GATEWAY_MAIN, '--http-port', '0', '--grpc-port', '0', '--host', '127.0.0.1'],
    {
      env: { ...process.env, PRAAS_NATS_URL: options.natsUrl, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const append = (chunk: Buffer): void => {
    if (log.length < 100_000) log += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway not ready in ${timeoutMs} ms:\n${log}`)), timeoutMs);
      const check = (): void => {
        const match = LISTENING.exec(log);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited (${code}) before it was ready:\n${log}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
  return {
    url,
    output: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

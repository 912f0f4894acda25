import 'reflect-metadata';
import { loggerFromEnv, tracingFromEnv, type Logger, type TracingHandle } from '@praas/framework/internal';
import { GatewayAuth } from './auth/gateway-auth';
import { readTlsFiles, type GatewayTls } from './config/tls-files';
import { runTokenCommand } from './auth/token-command';
import type { GatewayConfig } from './config/gateway-config';
import { GATEWAY_USAGE, parseGatewayConfig } from './config/gateway-config';
import type { GatewayOperations } from './control/gateway-operations';
import { Gateway } from './gateway';

/** What a backend factory builds for the gateway: its control plane, and how to release what it holds. */
export interface GatewayBackend {
  readonly controlPlane: GatewayOperations;
  /** Releases the transport, registry and host provider behind the control plane. */
  close(): Promise<void>;
}

/**
 * Builds the control plane a gateway OS process serves, e.g. on NATS from `PRAAS_NATS_URL`.
 * The entry takes it as a parameter so that the transport is chosen by whoever starts the gateway.
 * `logger` is the gateway's: what the backend's components log goes there.
 */
export type GatewayBackendFactory = (
  config: GatewayConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
) => Promise<GatewayBackend>;

/** Something that emits process signals: `process` itself, or a stand-in in tests. */
export interface SignalSource {
  once(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface RunGatewayOptions {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly signals?: SignalSource;
  /** The lines a person reads: where the gateway listens, that it stops (default: standard output). */
  readonly out?: (line: string) => void;
  /** Why the gateway could not start, for a person (default: standard error). */
  readonly err?: (line: string) => void;
  /** Where the gateway and its backend log (default: JSON on standard error at `PRAAS_LOG_LEVEL`, `info` when unset). */
  readonly logger?: Logger;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * The gateway as an OS process: parses flags and environment, builds the backend, starts the
 * REST and gRPC servers, prints `praas gateway listening http://host:port grpc host:port`, and on
 * SIGTERM or SIGINT stops the servers (streams end, requests in flight finish) and the backend.
 * @returns the exit code: 0 after a signal, 2 for bad arguments, 1 when the gateway could not start.
 * @example
 * ```ts
 * runGateway(natsBackend).then((code) => (process.exitCode = code));
 * ```
 */
export async function runGateway(factory: GatewayBackendFactory, options: RunGatewayOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  const env = options.env ?? process.env;
  const signals = options.signals ?? process;
  const argv = options.argv ?? process.argv.slice(2);
  if (argv[0] === 'token') return runTokenCommand(argv.slice(1), out, err);
  let config: GatewayConfig;
  let logger: Logger;
  try {
    config = parseGatewayConfig(argv, env);
    logger = options.logger ?? loggerFromEnv(env, { service: 'gateway' });
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (config.help) {
    out(GATEWAY_USAGE);
    return 0;
  }
  let auth: GatewayAuth;
  let tls: GatewayTls | undefined;
  let tracing: TracingHandle | undefined;
  try {
    tls = readTlsFiles(config.tlsCert, config.tlsKey);
    auth = authOf(config, logger);
    // Before any request: PRAAS_OTEL=1 starts the OpenTelemetry SDK the user installed.
    tracing = tracingFromEnv(env, 'praas-gateway', logger);
  } catch (e) {
    err(`praas gateway could not start: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  let backend: GatewayBackend | undefined;
  let gateway: Gateway | undefined;
  try {
    backend = await factory(config, env, logger);
    gateway = new Gateway({
      controlPlane: backend.controlPlane,
      bodyLimitBytes: config.bodyLimitBytes,
      logger,
      auth,
      ...(tls ? { tls } : {}),
      processMetrics: true,
    });
    const started = await gateway.start({ httpPort: config.httpPort, grpcPort: config.grpcPort, host: config.host });
    const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
    const notes = [tls ? 'TLS' : undefined, auth.enabled ? undefined : 'open: no authentication'].filter(Boolean);
    out(
      `praas gateway listening ${tls ? 'https' : 'http'}://${shown}:${started.httpPort} grpc ${shown}:${started.grpcPort}` +
        (notes.length ? ` (${notes.join(', ')})` : ''),
    );
    out(`praas gateway dashboard ${tls ? 'https' : 'http'}://${shown}:${started.httpPort}/ui`);
  } catch (e) {
    err(`praas gateway could not start: ${e instanceof Error ? e.message : String(e)}`);
    await gateway?.stop();
    await backend?.close();
    auth.close();
    await tracing?.shutdown();
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const listeners = STOP_SIGNALS.map((s) => {
      const listener = (): void => {
        listeners.forEach(([name, l]) => signals.off(name, l));
        resolve(s);
      };
      signals.once(s, listener);
      return [s, listener] as const;
    });
  });
  out(`praas gateway stopping (${signal})`);
  await gateway.stop();
  await backend.close();
  auth.close();
  await tracing?.shutdown();
  return 0;
}

/**
 * The gateway's authentication: the token file, or open when asked for in so many words. Neither
 * is a start-up error: a gateway never runs open by accident.
 */
function authOf(config: GatewayConfig, logger: Logger): GatewayAuth {
  if (config.noAuth) {
    if (config.tokensFile !== undefined)
      throw new Error('--no-auth and --tokens-file contradict each other; give one of them');
    return GatewayAuth.open();
  }
  if (config.tokensFile === undefined)
    throw new Error(
      'no tokens are configured. Create a token file and give it to the gateway:\n' +
        '  praas-framework gateway token create --file tokens.json --id admin --scope admin   (prints the token once)\n' +
        '  praas-framework gateway --tokens-file tokens.json      (or PRAAS_TOKENS_FILE=tokens.json)\n' +
        'or run it without authentication on a trusted machine: --no-auth (PRAAS_AUTH=off)',
    );
  return GatewayAuth.fromFile(config.tokensFile, {
    protectMetrics: config.protectMetrics,
    logger: logger.child({ component: 'auth' }),
  });
}

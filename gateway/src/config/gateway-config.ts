import { InvalidArgumentError } from '@praas/framework';
import { DEFAULT_BODY_LIMIT_BYTES } from '../rest/body-reader';

/** How a gateway OS process is configured: flags first, then environment variables, then defaults. */
export interface GatewayConfig {
  /** `--http-port` / `PRAAS_HTTP_PORT` (default 8080; 0 picks a free port). */
  readonly httpPort: number;
  /** `--grpc-port` / `PRAAS_GRPC_PORT` (default 50051; 0 picks a free port). */
  readonly grpcPort: number;
  /** `--host` / `PRAAS_HOST` (default 0.0.0.0: every interface, as a container needs). */
  readonly host: string;
  /** `--body-limit` / `PRAAS_BODY_LIMIT`: bytes, or with a `KiB`/`MiB` suffix (default 1MiB). */
  readonly bodyLimitBytes: number;
  /** `--help`: print the usage and exit. */
  readonly help: boolean;
}

/** Usage text of the gateway entry. */
export const GATEWAY_USAGE = `usage: praas-gateway [--http-port N] [--grpc-port N] [--host H] [--body-limit N[KiB|MiB]]
  --http-port   REST port (env PRAAS_HTTP_PORT, default 8080; 0: a free port)
  --grpc-port   gRPC port (env PRAAS_GRPC_PORT, default 50051; 0: a free port)
  --host        interface to bind (env PRAAS_HOST, default 0.0.0.0)
  --body-limit  largest request body (env PRAAS_BODY_LIMIT, default 1MiB)
Logs are JSON lines on standard error at PRAAS_LOG_LEVEL (trace, debug, info, warn, error, fatal, silent; default info).`;

const FLAGS: Readonly<Record<string, keyof Omit<GatewayConfig, 'help'>>> = {
  '--http-port': 'httpPort',
  '--grpc-port': 'grpcPort',
  '--host': 'host',
  '--body-limit': 'bodyLimitBytes',
};
const ENV: Readonly<Record<keyof Omit<GatewayConfig, 'help'>, string>> = {
  httpPort: 'PRAAS_HTTP_PORT',
  grpcPort: 'PRAAS_GRPC_PORT',
  host: 'PRAAS_HOST',
  bodyLimitBytes: 'PRAAS_BODY_LIMIT',
};

function port(raw: string, source: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65_535)
    throw new InvalidArgumentError(`${source} must be a port from 0 to 65535; got '${raw}'`);
  return n;
}

/** Parses a size: `1048576`, `512KiB`, `4MiB`. */
export function parseByteSize(raw: string, source: string): number {
  const m = /^(\d+)(KiB|MiB)?$/.exec(raw.trim());
  const n = m ? Number(m[1]) * (m[2] === 'MiB' ? 1024 * 1024 : m[2] === 'KiB' ? 1024 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${source} must be a positive size in bytes, KiB or MiB (e.g. 1MiB); got '${raw}'`);
  return n;
}

/**
 * Reads the gateway's configuration from command-line arguments (`--flag value` or `--flag=value`)
 * and the environment.
 * @throws InvalidArgumentError naming the flag or variable that is wrong.
 */
export function parseGatewayConfig(argv: readonly string[], env: NodeJS.ProcessEnv): GatewayConfig {
  const raw: Partial<Record<keyof Omit<GatewayConfig, 'help'>, [string, string]>> = {};
  for (const [field, name] of Object.entries(ENV) as [keyof typeof ENV, string][]) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[field] = [value, name];
  }
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const field = FLAGS[flag];
    if (!field) throw new InvalidArgumentError(`unknown argument '${arg}'\n${GATEWAY_USAGE}`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new InvalidArgumentError(`${flag} needs a value`);
    raw[field] = [value, flag];
  }
  const host = raw.host?.[0] ?? '0.0.0.0';
  if (host.trim() === '') throw new InvalidArgumentError('the host must not be empty');
  return {
    httpPort: raw.httpPort ? port(...raw.httpPort) : 8080,
    grpcPort: raw.grpcPort ? port(...raw.grpcPort) : 50051,
    host,
    bodyLimitBytes: raw.bodyLimitBytes ? parseByteSize(...raw.bodyLimitBytes) : DEFAULT_BODY_LIMIT_BYTES,
    help,
  };
}

import { InvalidArgumentError } from '@praas/framework/internal';
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
  /** `--tokens-file` / `PRAAS_TOKENS_FILE`: the token file (DESIGN §8a); required unless `noAuth`. */
  readonly tokensFile?: string;
  /** `--no-auth` / `PRAAS_AUTH=off`: serve without authentication (a development stack on a trusted machine). */
  readonly noAuth: boolean;
  /** `--tls-cert` / `PRAAS_TLS_CERT`: PEM certificate (chain) to serve REST over HTTPS and gRPC over TLS, with `tlsKey`. */
  readonly tlsCert?: string;
  /** `--tls-key` / `PRAAS_TLS_KEY`: the certificate's PEM private key. */
  readonly tlsKey?: string;
  /** `--protect-metrics` / `PRAAS_PROTECT_METRICS=true`: `GET /metrics` needs the `metrics` scope too. */
  readonly protectMetrics: boolean;
  /** `--help`: print the usage and exit. */
  readonly help: boolean;
}

type ValueField = 'httpPort' | 'grpcPort' | 'host' | 'bodyLimitBytes' | 'tokensFile' | 'tlsCert' | 'tlsKey';

/** Usage text of the gateway entry, under the name users run it by (`gateway-main.js` takes the same flags). */
export const GATEWAY_USAGE = `usage: praas-framework gateway [--http-port N] [--grpc-port N] [--host H] [--body-limit N[KiB|MiB]]
                              (--tokens-file FILE | --no-auth) [--protect-metrics] [--tls-cert FILE --tls-key FILE]
       praas-framework gateway token create|list|revoke|app-secret ...   (see: praas-framework gateway token --help)
  --http-port        REST port (env PRAAS_HTTP_PORT, default 8080; 0: a free port)
  --grpc-port        gRPC port (env PRAAS_GRPC_PORT, default 50051; 0: a free port)
  --host             interface to bind (env PRAAS_HOST, default 0.0.0.0)
  --body-limit       largest request body (env PRAAS_BODY_LIMIT, default 1MiB)
  --tokens-file      the bearer tokens callers must present (env PRAAS_TOKENS_FILE); reread when it changes
  --no-auth          serve without authentication (env PRAAS_AUTH=off): anyone who reaches the gateway may do anything
  --tls-cert         PEM certificate: serve REST over HTTPS and gRPC over TLS (env PRAAS_TLS_CERT; with --tls-key)
  --tls-key          the certificate's PEM private key (env PRAAS_TLS_KEY)
  --protect-metrics  GET /metrics needs a token with the 'metrics' or 'admin' scope (env PRAAS_PROTECT_METRICS=true)
On NATS: PRAAS_NATS_URL (comma-separated seed URLs of a cluster), PRAAS_NATS_REPLICAS (1, 3 or 5; default 1:
JetStream replicas of the registry buckets and backup streams; 3 on a three-node cluster survives losing a node),
PRAAS_NATS_USER + PRAAS_NATS_PASSWORD (the gateway's NATS user, see praas-framework nats; or PRAAS_NATS_SECRET to derive it).
Logs are JSON lines on standard error at PRAAS_LOG_LEVEL (trace, debug, info, warn, error, fatal, silent; default info).
Traces: PRAAS_OTEL=1 starts the OpenTelemetry SDK (install @opentelemetry/sdk-node; OTEL_* variables configure it).`;

const FLAGS: Readonly<Record<string, ValueField>> = {
  '--http-port': 'httpPort',
  '--grpc-port': 'grpcPort',
  '--host': 'host',
  '--body-limit': 'bodyLimitBytes',
  '--tokens-file': 'tokensFile',
  '--tls-cert': 'tlsCert',
  '--tls-key': 'tlsKey',
};
const ENV: Readonly<Record<ValueField, string>> = {
  httpPort: 'PRAAS_HTTP_PORT',
  grpcPort: 'PRAAS_GRPC_PORT',
  host: 'PRAAS_HOST',
  bodyLimitBytes: 'PRAAS_BODY_LIMIT',
  tokensFile: 'PRAAS_TOKENS_FILE',
  tlsCert: 'PRAAS_TLS_CERT',
  tlsKey: 'PRAAS_TLS_KEY',
};

/** A yes/no environment variable: true, false, or a clear error. */
function envSwitch(env: NodeJS.ProcessEnv, name: string, yes: readonly string[], no: readonly string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return false;
  if (yes.includes(raw)) return true;
  if (no.includes(raw)) return false;
  throw new InvalidArgumentError(`${name} must be one of ${[...yes, ...no].join(', ')}; got '${env[name]}'`);
}

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
  const raw: Partial<Record<ValueField, [string, string]>> = {};
  let noAuth = envSwitch(env, 'PRAAS_AUTH', ['off'], ['on', 'tokens']);
  let protectMetrics = envSwitch(env, 'PRAAS_PROTECT_METRICS', ['true', '1', 'yes'], ['false', '0', 'no']);
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
    if (arg === '--no-auth' || arg === '--protect-metrics') {
      if (arg === '--no-auth') noAuth = true;
      else protectMetrics = true;
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
    ...(raw.tokensFile ? { tokensFile: raw.tokensFile[0] } : {}),
    ...(raw.tlsCert ? { tlsCert: raw.tlsCert[0] } : {}),
    ...(raw.tlsKey ? { tlsKey: raw.tlsKey[0] } : {}),
    noAuth,
    protectMetrics,
    help,
  };
}

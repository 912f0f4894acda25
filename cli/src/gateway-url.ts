import { UsageError } from './usage-error';

/** Where the CLI finds a gateway when neither --gateway nor PRAAS_GATEWAY_URL says. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/** The gateway's REST base URL: `--gateway`, else `PRAAS_GATEWAY_URL`, else the local default. */
export function gatewayUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const value = option ?? (env['PRAAS_GATEWAY_URL']?.trim() || DEFAULT_GATEWAY_URL);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--gateway '${value}' is not a URL; give the gateway's REST address, e.g. ${DEFAULT_GATEWAY_URL}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--gateway '${value}' must be an http: or https: URL, e.g. ${DEFAULT_GATEWAY_URL}`);
  }
  return value;
}

/** How the CLI proves itself to a gateway and checks its certificate. */
export interface GatewayCredentials {
  /** `--token`, else `PRAAS_TOKEN`: the bearer token (see `praas-framework gateway token create`). */
  readonly token?: string;
  /** `--ca`, else `PRAAS_CA_FILE`: a PEM file with the CA of the gateway's TLS certificate. */
  readonly ca?: string;
}

/** The token and CA file the CLI talks to a gateway with, from the options or the environment. */
export function gatewayCredentials(
  options: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): GatewayCredentials {
  const token = options.get('token') ?? (env['PRAAS_TOKEN']?.trim() || undefined);
  const ca = options.get('ca') ?? (env['PRAAS_CA_FILE']?.trim() || undefined);
  return { ...(token === undefined ? {} : { token }), ...(ca === undefined ? {} : { ca }) };
}

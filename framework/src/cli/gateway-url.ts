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

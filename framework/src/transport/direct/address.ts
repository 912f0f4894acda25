import { InvalidArgumentError } from '../../errors';

/** Where a host's direct data plane listens: a host name or IP address and a TCP port. */
export interface DirectAddress {
  readonly host: string;
  readonly port: number;
}

/** Formats an address as `host:port` (`[v6]:port` for an IPv6 address), the form host records carry. */
export function formatAddress(address: DirectAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Parses `host:port` or `[v6]:port`.
 * @throws InvalidArgumentError naming `what` when the text is not such an address.
 */
export function parseAddress(text: string, what = 'direct data-plane address'): DirectAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port > 0 && port <= 65535)) {
    throw new InvalidArgumentError(`${what} must be host:port (e.g. 10.0.0.7:7400), got '${text}'`, { value: text });
  }
  return { host: (match[1] ?? match[2])!, port };
}

/**
 * The address to advertise, as `host:port`: `text` may be `host:port`, `[v6]:port`, or a bare host
 * or IPv6 address, which takes `boundPort`.
 * @throws InvalidArgumentError naming `what` when the text is none of these.
 */
export function advertisedAddress(text: string, boundPort: number, what = 'the advertised address'): string {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  const colons = trimmed.split(':').length - 1;
  let candidate: string;
  if (bracketed) candidate = `[${bracketed[1]}]:${bracketed[2] ?? boundPort}`;
  else if (colons > 1) candidate = `[${trimmed}]:${boundPort}`;
  else if (colons === 1) candidate = trimmed;
  else candidate = `${trimmed}:${boundPort}`;
  return formatAddress(parseAddress(candidate, what));
}

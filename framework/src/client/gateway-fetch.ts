import { readFileSync } from 'node:fs';

/** The `fetch` a client uses to reach a gateway. */
export type Fetch = typeof fetch;

interface Undici {
  Agent: new (options: { connect: { ca: string | Buffer } }) => object;
  fetch: (input: string, init: Record<string, unknown>) => Promise<Response>;
}

/**
 * `fetch` that trusts `ca` (PEM text or bytes, or the path of a PEM file) as the certificate
 * authority of the gateway's TLS certificate, besides the system's; the global `fetch` without
 * one. The undici package is loaded only then: a client of a plain-HTTP gateway does not need it.
 */
export function gatewayFetch(ca: string | Uint8Array | undefined): Fetch {
  if (ca === undefined) return fetch;
  const pem = typeof ca === 'string' && !ca.includes('-----BEGIN') ? readFileSync(ca) : Buffer.from(ca);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const undici = require('undici') as Undici;
  const dispatcher = new undici.Agent({ connect: { ca: pem } });
  return (input: string | URL | Request, init?: RequestInit) =>
    undici.fetch(input instanceof Request ? input.url : input.toString(), {
      ...(init as Record<string, unknown>),
      dispatcher,
    });
}

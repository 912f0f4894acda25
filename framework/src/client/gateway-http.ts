import {
  DecodeError,
  EncodeError,
  fromWireError,
  PraasError,
  TimeoutError,
  UnavailableError,
  type WireError,
} from '../errors';
import { decode } from '../wire/codec';
import { gatewayFetch, type Fetch } from './gateway-fetch';

/** The media type in which invoke arguments and results travel in the framework codec (the gateway's content negotiation). */
export const MSGPACK_TYPE = 'application/msgpack';

/** Where {@link GatewayHttp} sends its requests, and how. */
export interface GatewayHttpOptions {
  /** Base URL of a gateway's REST API. */
  readonly url: string;
  /** Headers of every request: the caller's, and the token's. */
  readonly headers: Readonly<Record<string, string>>;
  /** The certificate authority of the gateway's TLS certificate, if the system does not trust it. */
  readonly ca?: string | Uint8Array;
  /** How long a call may take unless it says otherwise. */
  readonly requestTimeoutMs: number;
}

/** One request to the gateway's REST API. */
export interface GatewayRequest {
  json?: unknown;
  bytes?: Uint8Array;
  /** Media type of `bytes`. */
  contentType?: string;
  /** `application/msgpack`: the answer may come in the framework codec (errors stay JSON). */
  accept?: typeof MSGPACK_TYPE;
  query?: URLSearchParams;
  /** Names the body and the answer in codec errors. */
  what?: string;
  timeoutMs?: number;
  headers?: Readonly<Record<string, string>>;
}

/**
 * The HTTP side of a gateway client: builds the URL of a route, sends the body as JSON or bytes,
 * and turns the answer into a value or the error the gateway raised.
 */
export class GatewayHttp {
  readonly base: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: Fetch;

  constructor(private readonly options: GatewayHttpOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.headers = options.headers;
    this.fetch = gatewayFetch(options.ca);
  }

  /** The URL of the route `segments` (each URI-encoded), with `query` if any. */
  url(segments: readonly string[], query?: URLSearchParams): string {
    const search = query?.toString();
    return `${this.base}/${segments.map(encodeURIComponent).join('/')}${search ? `?${search}` : ''}`;
  }

  /** The error for a request that got no answer from the gateway. */
  unreachable(url: string, e: unknown): UnavailableError {
    return new UnavailableError(
      `cannot reach the gateway at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e, details: { url } },
    );
  }

  async call<T>(method: string, segments: readonly string[], options: GatewayRequest = {}): Promise<T> {
    const url = this.url(segments, options.query);
    const accept = options.accept ? `${options.accept}, application/json;q=0.5` : 'application/json';
    const headers: Record<string, string> = { accept, ...this.headers, ...options.headers };
    let body: string | Uint8Array | undefined;
    if (options.bytes !== undefined) {
      body = options.bytes;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    } else if (options.json !== undefined) {
      try {
        body = JSON.stringify(options.json);
      } catch (e) {
        throw new EncodeError(options.what ?? 'request body', `not representable as JSON: ${String(e)}`, e);
      }
      headers['content-type'] = 'application/json';
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await this.fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      if (e instanceof Error && e.name === 'TimeoutError')
        throw new TimeoutError(`the gateway did not answer ${method} ${url} within ${timeoutMs} ms`, { url });
      throw this.unreachable(url, e);
    }
    const text = (): string => new TextDecoder().decode(bytes);
    if (!response.ok) throw errorFromResponse(response.status, text());
    if (bytes.byteLength === 0) return undefined as T;
    const type = response.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
    if (options.accept && type === options.accept)
      return decode<T>(bytes, options.what ?? `the answer to ${method} ${url}`);
    try {
      return JSON.parse(text()) as T;
    } catch (e) {
      throw new DecodeError(`the answer to ${method} ${url}`, 'not JSON; is the URL that of a PraaS gateway?', e);
    }
  }
}

/**
 * The error a gateway answered with, rebuilt as its class; a reply without one becomes
 * `UNEXPECTED_RESPONSE` with the status in `details.status`.
 */
export function errorFromResponse(status: number, text: string): PraasError {
  try {
    const parsed = JSON.parse(text) as { error?: WireError };
    const e = parsed.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') return fromWireError(e);
  } catch {
    // Not the gateway's error format (a proxy in between answered); fall through.
  }
  if (status === 502 || status === 503) return new UnavailableError(`the gateway answered HTTP ${status}`);
  if (status === 504) return new TimeoutError(`the gateway answered HTTP ${status}`);
  return new PraasError('UNEXPECTED_RESPONSE', `the gateway answered HTTP ${status}: ${text.slice(0, 200)}`, {
    details: { status },
  });
}

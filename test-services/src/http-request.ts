import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** What {@link http} got back. */
export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty). */
  readonly json: unknown;
}

/** What {@link http} sends besides method and path. */
export interface HttpRequestOptions {
  readonly headers?: Record<string, string | string[]>;
  /** A JSON value (sent as application/json unless headers say otherwise), or raw bytes. */
  readonly body?: unknown;
  readonly raw?: Buffer | string;
  /** Send the raw body in chunks without Content-Length (chunked transfer encoding). */
  readonly chunked?: boolean;
  readonly timeoutMs?: number;
}

/** One HTTP request with node:http, on a fresh connection; fails when no answer comes in time. */
export function http(
  base: string,
  method: string,
  path: string,
  options: HttpRequestOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string | string[]> = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.raw !== undefined) payload = Buffer.from(options.raw);
  else if (options.body !== undefined) {
    payload = Buffer.from(JSON.stringify(options.body));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  // node:http chunks bodies of GET, DELETE and friends only when told to.
  if (payload)
    headers[options.chunked ? 'transfer-encoding' : 'content-length'] = options.chunked
      ? 'chunked'
      : String(payload.length);
  // With `Connection: close` (node's default without an agent) the server closes the connection
  // right after a 413 while the client may still be sending, and the client then sees EPIPE instead
  // of the answer; on a kept-alive connection the server reads the rest of the body and drops it.
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'connection')) headers['connection'] = 'keep-alive';
  const url = new URL(base);
  let answered = false;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        answered = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        req.destroy();
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path}: no answer within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    req.on('error', (e) => {
      if (answered) return;
      clearTimeout(timer);
      reject(e);
    });
    if (payload && options.chunked) {
      const size = 16 * 1024;
      let offset = 0;
      const pump = (): void => {
        while (offset < payload.length) {
          const chunk = payload.subarray(offset, offset + size);
          offset += size;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    } else req.end(payload);
  });
}

import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError, PayloadTooLargeError } from '@praas/framework/internal';
import { UnsupportedMediaTypeError } from '../errors/gateway-errors';
import { parseJson } from '../json/json-mapping';

/** Default limit of a request body: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Default limit of an uploaded code bundle (`PUT /v1/apps/{app}/versions`): 64 MiB. */
export const DEFAULT_BUNDLE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a request body, holding at most `limit` bytes: a declared `Content-Length` over the limit
 * is refused before reading, and a streamed body is refused as soon as it passes the limit. What
 * follows is discarded as it arrives (node:http does the same for bodies nobody reads), bounded
 * by the server's request timeout.
 * @throws PayloadTooLargeError (413) over the limit.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared)) return Promise.reject(new InvalidArgumentError('Content-Length is not a number'));
    if (length > limit) return Promise.reject(new PayloadTooLargeError('request body', length, limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // The rest is read and dropped, so the client gets its 413 and the connection stays usable.
        req.resume();
        chunks.length = 0;
        reject(new PayloadTooLargeError('request body', size, limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(new InvalidArgumentError(`the request body could not be read: ${e.message}`));
    };
    const onAborted = (): void => onError(new Error('the client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** True for `application/octet-stream`, with any parameters. */
export function isOctetStream(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]!.trim().toLowerCase() === 'application/octet-stream';
}

/** True for `application/json` and `application/<x>+json`, with any parameters. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * The JSON value of a body; `undefined` for an empty body.
 * @throws UnsupportedMediaTypeError (415) when a non-empty body is not declared as JSON;
 *   DecodeError (400) when it is not valid UTF-8 JSON.
 */
export function parseJsonBody(body: Buffer, contentType: string | undefined, what: string): unknown {
  if (body.length === 0) return undefined;
  if (!isJsonContentType(contentType)) throw new UnsupportedMediaTypeError(contentType);
  return parseJson(body.toString('utf8'), what);
}

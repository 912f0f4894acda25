import { S3Error } from 'minio';

/** Which failures of an S3 call are worth another attempt, and which are a connection failure. */

/** Connection failures worth another attempt; ENOTFOUND (a wrong host name) and our own idle timeout are not. */
const TRANSIENT_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);
/** Every connection failure: the transient ones, a host name that does not resolve, and our own idle timeout. */
const CONNECTION_CODES = new Set([...TRANSIENT_CONNECTION_CODES, 'ENOTFOUND', 'ERR_SOCKET_TIMEOUT']);
/** S3 error codes of a server that is overloaded or briefly unwell. */
const TRANSIENT_S3_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
  'SlowDownRead',
  'SlowDownWrite',
  'RequestTimeout',
  'XMinioServerNotInitialized',
]);

/** The error codes of Node's socket layer travel on `code`, sometimes on a nested cause. */
export function connectionCode(e: unknown): string | undefined {
  for (let at: unknown = e, depth = 0; at instanceof Error && depth < 4; at = at.cause, depth++) {
    const code = (at as NodeJS.ErrnoException).code;
    if (code !== undefined && CONNECTION_CODES.has(code)) return code;
    if (at.message === 'socket hang up') return 'ECONNRESET';
    if (at instanceof AggregateError) {
      const inner = at.errors.map(connectionCode).find((c) => c !== undefined);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Why a failure is worth another attempt, or undefined when it is not. */
export function transientReason(e: unknown, status: number | undefined): string | undefined {
  const code = connectionCode(e);
  if (code !== undefined) return TRANSIENT_CONNECTION_CODES.has(code) ? code : undefined;
  const s3Code = e instanceof S3Error ? e.code : undefined;
  if (s3Code !== undefined && TRANSIENT_S3_CODES.has(s3Code)) return s3Code;
  if (status !== undefined && (status >= 500 || status === 429)) return `HTTP ${status}`;
  return undefined;
}

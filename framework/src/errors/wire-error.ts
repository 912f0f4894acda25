import {
  AlreadyExistsError,
  ApplicationNotFoundError,
  FunctionError,
  PayloadTooLargeError,
  ProcessNotFoundError,
} from './errors';
import { PraasError, type WireError } from './praas-error';

const RETRYABLE_CODES = new Set(['TIMEOUT', 'UNAVAILABLE', 'PROCESS_UNAVAILABLE', 'SWAP_FAILED']);

/** Turns any thrown value into the wire form; unknown errors keep only their name and message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof PraasError) return error.toWire();
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message, details: { errorName: error.name } };
  return { code: 'INTERNAL', message: String(error) };
}

/** Rebuilds an error from its wire form, as the most specific known class where the details allow. */
export function fromWireError(wire: WireError): PraasError {
  const d = wire.details ?? {};
  const s = (key: string): string => (typeof d[key] === 'string' ? d[key] : '');
  let error: PraasError;
  switch (wire.code) {
    case 'FUNCTION_FAILED':
      error = new FunctionError(s('function'), s('pid'), s('errorName') || 'Error', wire.message, { details: d });
      break;
    case 'PROCESS_NOT_FOUND':
      error = new ProcessNotFoundError(s('app'), s('pid'));
      break;
    case 'APPLICATION_NOT_FOUND':
      error = new ApplicationNotFoundError(s('app'));
      break;
    case 'ALREADY_EXISTS':
      error = new AlreadyExistsError(s('kind'), s('name'));
      break;
    case 'PAYLOAD_TOO_LARGE':
      error = new PayloadTooLargeError('payload', Number(d['size']), Number(d['limit']));
      break;
    default:
      error = new PraasError(wire.code, wire.message, { details: d, retryable: RETRYABLE_CODES.has(wire.code) });
  }
  // The receiving side sees the sender's exact message, whatever the local constructor would build.
  Object.defineProperty(error, 'message', { value: wire.message, enumerable: false, writable: true });
  return error;
}

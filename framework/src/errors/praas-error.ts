import { retryableByDefault, type ErrorCode } from './error-codes';

/** The shape in which an error crosses the wire: stable code, readable message, structured details. */
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  /**
   * Whether repeating the operation may succeed, present only where the error says otherwise than
   * its code's default in `ERROR_CODES` (a user function that threw a `RetryableError`).
   */
  retryable?: boolean;
}

export interface PraasErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Whether repeating the same operation later may succeed (default: what `ERROR_CODES` says of the code). */
  retryable?: boolean;
}

/**
 * Base of every error the framework raises. `code` is stable and machine-readable; `message` says
 * what was wrong and what to do; `details` carries structured context that survives the wire;
 * `retryable` says whether the same operation may succeed later (terminal when false).
 */
export class PraasError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: PraasErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? retryableByDefault(code);
  }

  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message, details: this.details };
    if (this.retryable !== retryableByDefault(this.code)) wire.retryable = this.retryable;
    return wire;
  }
}

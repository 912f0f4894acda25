/** The shape in which an error crosses the wire: stable code, readable message, structured details. */
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface PraasErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Whether repeating the same operation later may succeed. */
  retryable?: boolean;
}

/**
 * Base of every error the framework raises. `code` is stable and machine-readable; `message` says
 * what was wrong and what to do; `details` carries structured context that survives the wire.
 */
export class PraasError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: PraasErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, details: this.details };
  }
}

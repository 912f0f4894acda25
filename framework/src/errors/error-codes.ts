/** What the table says of one error code. */
export interface ErrorCodeSpec {
  /**
   * Whether repeating the same operation later may succeed, for errors of this code unless one
   * says otherwise (only `FUNCTION_FAILED` does: a user function that threw a `RetryableError`).
   */
  readonly retryable: boolean;
}

/**
 * Every error code that crosses the wire, each written once, with whether it is retryable (STYLE,
 * "one source for each fact"). The error classes name their code from this table (the compiler
 * checks it), `PraasError` takes retryability from it, and the gateway's map to HTTP and gRPC
 * statuses is a `Record<ErrorCode, ...>`, so a new code does not compile until it has its status.
 */
export const ERROR_CODES = {
  // The caller's input or usage is wrong: asking again the same way cannot help.
  DECORATOR_USAGE: { retryable: false },
  INVALID_NAME: { retryable: false },
  INVALID_ARGUMENT: { retryable: false },
  ENCODE_FAILED: { retryable: false },
  DECODE_FAILED: { retryable: false },
  PAYLOAD_TOO_LARGE: { retryable: false },
  BUILD_FAILED: { retryable: false },
  // Something named does not exist, or already does.
  APPLICATION_NOT_FOUND: { retryable: false },
  PROCESS_NOT_FOUND: { retryable: false },
  PROCESS_CLASS_NOT_FOUND: { retryable: false },
  FUNCTION_NOT_FOUND: { retryable: false },
  TIMER_NOT_FOUND: { retryable: false },
  ALREADY_EXISTS: { retryable: false },
  DUPLICATE_MESSAGE: { retryable: false },
  // The user's code failed: a function threw (retryable when it threw a RetryableError), or a deployed version does not load.
  FUNCTION_FAILED: { retryable: false },
  CODE_LOAD_FAILED: { retryable: false },
  SNAPSHOT_CORRUPT: { retryable: false },
  // A process's state cannot be moved to the state version of its code: a @Migrate method threw, or
  // the snapshot was written by newer code (a rollback). Terminal until other code is deployed.
  MIGRATION_FAILED: { retryable: false },
  STATE_VERSION_TOO_NEW: { retryable: false },
  // Transient: the same operation may succeed later.
  TIMEOUT: { retryable: true },
  UNAVAILABLE: { retryable: true },
  PROCESS_UNAVAILABLE: { retryable: true },
  NO_RESPONDERS: { retryable: true },
  HOST_FAILED: { retryable: true },
  SWAP_FAILED: { retryable: true },
  // The caller is not who it must be: no valid credential (UNAUTHENTICATED), or one whose scopes do
  // not cover the operation (PERMISSION_DENIED). Asking again with the same credential cannot help.
  UNAUTHENTICATED: { retryable: false },
  PERMISSION_DENIED: { retryable: false },
  // The gateway's HTTP front end.
  ROUTE_NOT_FOUND: { retryable: false },
  METHOD_NOT_ALLOWED: { retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { retryable: false },
  // A client got an answer that is not the gateway's (a proxy in between, a wrong URL).
  UNEXPECTED_RESPONSE: { retryable: false },
  // Anything else: a bug, or an error that is not a PraasError.
  INTERNAL: { retryable: false },
} as const satisfies Readonly<Record<string, ErrorCodeSpec>>;

/** The stable, machine-readable code of an error (`PraasError.code`): a key of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether `code` is one of the codes this version knows (a newer peer may send others). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** Whether errors of `code` are retryable unless they say otherwise; unknown codes are not. */
export function retryableByDefault(code: string): boolean {
  return isErrorCode(code) && ERROR_CODES[code].retryable;
}

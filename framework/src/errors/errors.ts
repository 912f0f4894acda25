import type { ErrorCode } from './error-codes';
import { PraasError, type PraasErrorOptions } from './praas-error';

// What user functions throw to say whether a call may succeed later (not PraasErrors of their own).
export * from './function-failures';
import { RetryableError } from './function-failures';

/** A decorator was used where it cannot work; names the decorator, the class and the member. */
export class DecoratorUsageError extends PraasError {
  static readonly code = 'DECORATOR_USAGE' satisfies ErrorCode;
  constructor(decorator: string, className: string, member: string | undefined, problem: string) {
    const where = member === undefined ? className : `${className}.${member}`;
    super(DecoratorUsageError.code, `@${decorator} on ${where}: ${problem}`, {
      details: { decorator, className, member },
    });
  }
}

/** A name (application, pid, function, message key) breaks the naming rule. */
export class InvalidNameError extends PraasError {
  static readonly code = 'INVALID_NAME' satisfies ErrorCode;
  constructor(kind: string, value: unknown, rule: string) {
    super(InvalidNameError.code, `invalid ${kind} ${JSON.stringify(value)}: ${rule}`, {
      details: { kind, value: String(value) },
    });
  }
}

/** Arguments to an API call are wrong in a way no name rule covers. */
export class InvalidArgumentError extends PraasError {
  static readonly code = 'INVALID_ARGUMENT' satisfies ErrorCode;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(InvalidArgumentError.code, message, { details });
  }
}

/**
 * A function that does not exist: in one process class (`owner` is the class name), or in any
 * class of an application (`owner` is `{ app }`, `available` lists `Class.function` names).
 */
export class FunctionNotFoundError extends PraasError {
  static readonly code = 'FUNCTION_NOT_FOUND' satisfies ErrorCode;
  constructor(owner: string | { readonly app: string }, fn: string, available: readonly string[]) {
    const list = available.join(', ') || '(none)';
    if (typeof owner === 'string') {
      super(
        FunctionNotFoundError.code,
        `process class '${owner}' has no function '${fn}'; its functions are: ${list}`,
        {
          details: { processClass: owner, function: fn, available: [...available] },
        },
      );
    } else {
      super(
        FunctionNotFoundError.code,
        `no process class of application '${owner.app}' has a function '${fn}'; its functions are: ${list}`,
        { details: { app: owner.app, function: fn, available: [...available] } },
      );
    }
  }
}

export class ProcessNotFoundError extends PraasError {
  static readonly code = 'PROCESS_NOT_FOUND' satisfies ErrorCode;
  constructor(app: string, pid: string) {
    super(ProcessNotFoundError.code, `application '${app}' has no process '${pid}'`, { details: { app, pid } });
  }
}

export class ProcessClassNotFoundError extends PraasError {
  static readonly code = 'PROCESS_CLASS_NOT_FOUND' satisfies ErrorCode;
  constructor(app: string, processClass: string, available: readonly string[]) {
    super(
      ProcessClassNotFoundError.code,
      `application '${app}' has no process class '${processClass}'; its classes are: ${available.join(', ') || '(none)'}`,
      { details: { app, processClass, available: [...available] } },
    );
  }
}

/** A durable timer that does not exist (cancelled, or a one-shot that fired). */
export class TimerNotFoundError extends PraasError {
  static readonly code = 'TIMER_NOT_FOUND' satisfies ErrorCode;
  constructor(app: string, pid: string, id: string) {
    super(TimerNotFoundError.code, `process '${pid}' of application '${app}' has no timer '${id}'`, {
      details: { app, pid, id },
    });
  }
}

export class ApplicationNotFoundError extends PraasError {
  static readonly code = 'APPLICATION_NOT_FOUND' satisfies ErrorCode;
  constructor(app: string) {
    super(ApplicationNotFoundError.code, `application '${app}' does not exist`, { details: { app } });
  }
}

export class AlreadyExistsError extends PraasError {
  static readonly code = 'ALREADY_EXISTS' satisfies ErrorCode;
  constructor(kind: string, name: string) {
    super(AlreadyExistsError.code, `${kind} '${name}' already exists`, { details: { kind, name } });
  }
}

/** An operation did not complete in time; retryable. */
export class TimeoutError extends PraasError {
  static readonly code = 'TIMEOUT' satisfies ErrorCode;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(TimeoutError.code, message, { details });
  }
}

/** A value could not be encoded; `path` names the key or field and where inside it. */
export class EncodeError extends PraasError {
  static readonly code = 'ENCODE_FAILED' satisfies ErrorCode;
  constructor(path: string, problem: string, cause?: unknown) {
    super(EncodeError.code, `cannot encode ${path}: ${problem}`, { details: { path }, cause });
  }
}

export class DecodeError extends PraasError {
  static readonly code = 'DECODE_FAILED' satisfies ErrorCode;
  constructor(what: string, problem: string, cause?: unknown) {
    super(DecodeError.code, `cannot decode ${what}: ${problem}`, { details: { what }, cause });
  }
}

/** Swapping a process out or in failed; the process keeps its previous, consistent state. */
export class SwapFailedError extends PraasError {
  static readonly code = 'SWAP_FAILED' satisfies ErrorCode;
  constructor(message: string, options: PraasErrorOptions = {}) {
    super(SwapFailedError.code, message, options);
  }
}

/** A snapshot read back from the store is missing a part or does not match its manifest. */
export class SnapshotCorruptError extends PraasError {
  static readonly code = 'SNAPSHOT_CORRUPT' satisfies ErrorCode;
  constructor(object: string, problem: string) {
    super(SnapshotCorruptError.code, `snapshot object '${object}' ${problem}`, { details: { object } });
  }
}

/** The process is not in a state that allows the operation (e.g. swapping); retryable. */
export class ProcessUnavailableError extends PraasError {
  static readonly code = 'PROCESS_UNAVAILABLE' satisfies ErrorCode;
  constructor(app: string, pid: string, status: string) {
    super(ProcessUnavailableError.code, `process '${pid}' of '${app}' is ${status}; try again`, {
      details: { app, pid, status },
    });
  }
}

/**
 * A user function threw; carries the original error's name and message. Terminal, unless the
 * function threw a {@link RetryableError} (its `cause`): then the caller sees `retryable` true.
 */
export class FunctionError extends PraasError {
  static readonly code = 'FUNCTION_FAILED' satisfies ErrorCode;
  constructor(fn: string, pid: string, originalName: string, originalMessage: string, options: PraasErrorOptions = {}) {
    super(FunctionError.code, originalMessage, {
      ...options,
      retryable: options.retryable ?? options.cause instanceof RetryableError,
      details: { function: fn, pid, errorName: originalName, ...options.details },
    });
  }
}

/** The transport or a service is closed or unreachable. */
export class UnavailableError extends PraasError {
  static readonly code = 'UNAVAILABLE' satisfies ErrorCode;
  constructor(message: string, options: PraasErrorOptions = {}) {
    super(UnavailableError.code, message, options);
  }
}

/** A payload is over a configured limit. */
export class PayloadTooLargeError extends PraasError {
  static readonly code = 'PAYLOAD_TOO_LARGE' satisfies ErrorCode;
  constructor(what: string, size: number, limit: number) {
    super(PayloadTooLargeError.code, `${what} is ${size} bytes, over the limit of ${limit} bytes`, {
      details: { size, limit },
    });
  }
}

/** Nobody serves the subject: the process is not active anywhere. */
export class NoRespondersError extends PraasError {
  static readonly code = 'NO_RESPONDERS' satisfies ErrorCode;
  constructor(subject: string) {
    super(NoRespondersError.code, `no one serves '${subject}'`, { details: { subject } });
  }
}

/**
 * The host holding a process died while a request to it was in flight (nats-server reports no
 * responder for the host any more): the request fails at once instead of at its deadline. The
 * process restarts on another host from its last committed state: try again (an invocation with
 * an id of its own is retried by the framework).
 */
export class HostFailedError extends PraasError {
  static readonly code = 'HOST_FAILED' satisfies ErrorCode;
  constructor(app: string, pid: string, host: string) {
    super(
      HostFailedError.code,
      `host '${host}' holding process '${pid}' of '${app}' died while the request was in flight; the process restarts on another host: try again`,
      { details: { app, pid, host } },
    );
  }
}

/** A message or contribution with this id was already delivered; it is not delivered again. */
export class DuplicateMessageError extends PraasError {
  static readonly code = 'DUPLICATE_MESSAGE' satisfies ErrorCode;
  constructor(id: string, fn: string) {
    super(DuplicateMessageError.code, `message '${id}' was already delivered to '${fn}'; a retried id lands once`, {
      details: { id, function: fn },
    });
  }
}

/**
 * A runtime host cannot load a deployed code version of the application (a missing dependency, a
 * module that throws while loading, a bundle missing from the object store). Terminal: asking again
 * does not help until a fixed version is deployed, which the hosts pick up by themselves.
 */
export class CodeLoadFailedError extends PraasError {
  static readonly code = 'CODE_LOAD_FAILED' satisfies ErrorCode;
  constructor(app: string, version: number, reason: string, host?: string) {
    super(
      CodeLoadFailedError.code,
      `code version ${version} of '${app}' cannot be loaded${host === undefined ? '' : ` on host ${host}`}: ${reason}; ` +
        'deploy a fixed version with praas-framework deploy --gateway URL',
      { details: { app, version, reason, ...(host === undefined ? {} : { host }) } },
    );
  }
}

/**
 * A `@Migrate` method threw (or returned something that is not a state) while a process swapped in.
 * Terminal: the same migration of the same state fails again. The process stays swapped out with
 * the snapshot it had, written at version `from`; nothing was overwritten.
 */
export class MigrationFailedError extends PraasError {
  static readonly code = 'MIGRATION_FAILED' satisfies ErrorCode;
  constructor(where: { processClass: string; pid: string; from: number; to: number }, reason: string, cause?: unknown) {
    const { processClass, pid, from, to } = where;
    super(
      MigrationFailedError.code,
      `cannot swap in process '${pid}': migrating the state of '${processClass}' from version ${from} to ${to} ` +
        `failed: ${reason}; its version ${from} snapshot is kept; fix @Migrate(${from}) of ${processClass} and run the fixed code`,
      { details: { processClass, pid, from, to, reason }, ...(cause === undefined ? {} : { cause }) },
    );
  }
}

/**
 * A process's snapshot was written by a newer state version of its class than the code swapping it
 * in declares (`@Process({ version })`), as after a rollback. Refused rather than read: the older
 * code would drop or misread what the newer one wrote.
 */
export class StateVersionTooNewError extends PraasError {
  static readonly code = 'STATE_VERSION_TOO_NEW' satisfies ErrorCode;
  constructor(where: { processClass: string; pid: string; snapshotVersion: number; codeVersion: number }) {
    const { processClass, pid, snapshotVersion, codeVersion } = where;
    super(
      StateVersionTooNewError.code,
      `cannot swap in process '${pid}': its snapshot holds state version ${snapshotVersion} of '${processClass}', ` +
        `newer than version ${codeVersion} of the code swapping it in; run code of '${processClass}' with version ${snapshotVersion} or later`,
      { details: { processClass, pid, snapshotVersion, codeVersion } },
    );
  }
}

/** `praas-framework build` could not compile or load the project; the message says where and why. */
export class BuildFailedError extends PraasError {
  static readonly code = 'BUILD_FAILED' satisfies ErrorCode;
  constructor(message: string, options: PraasErrorOptions = {}) {
    super(BuildFailedError.code, message, options);
  }
}

/**
 * A request came without a valid credential: no token, a malformed one, or one the gateway does
 * not know (revoked, mistyped). Says which, never what a valid token would look like.
 */
export class UnauthenticatedError extends PraasError {
  static readonly code = 'UNAUTHENTICATED' satisfies ErrorCode;
  constructor(message: string) {
    super(UnauthenticatedError.code, message);
  }
}

/**
 * A valid credential that does not cover the operation: a gateway token out of its scopes
 * ({@link PermissionDeniedError.forToken}), or a NATS user the server refuses a subject.
 */
export class PermissionDeniedError extends PraasError {
  static readonly code = 'PERMISSION_DENIED' satisfies ErrorCode;
  constructor(message: string, options: PraasErrorOptions = {}) {
    super(PermissionDeniedError.code, message, options);
  }

  /** A gateway token whose scopes do not cover `operation`; names the scope that would. */
  static forToken(tokenId: string, operation: string, needed: string): PermissionDeniedError {
    return new PermissionDeniedError(`token '${tokenId}' may not ${operation}; that needs the scope ${needed}`, {
      details: { tokenId, operation, needed },
    });
  }
}

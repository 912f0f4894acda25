import { PraasError, type PraasErrorOptions } from './praas-error';

/** A decorator was used where it cannot work; names the decorator, the class and the member. */
export class DecoratorUsageError extends PraasError {
  static readonly code = 'DECORATOR_USAGE';
  constructor(decorator: string, className: string, member: string | undefined, problem: string) {
    const where = member === undefined ? className : `${className}.${member}`;
    super('DECORATOR_USAGE', `@${decorator} on ${where}: ${problem}`, {
      details: { decorator, className, member },
    });
  }
}

/** A name (application, pid, function, message key) breaks the naming rule. */
export class InvalidNameError extends PraasError {
  static readonly code = 'INVALID_NAME';
  constructor(kind: string, value: unknown, rule: string) {
    super('INVALID_NAME', `invalid ${kind} ${JSON.stringify(value)}: ${rule}`, {
      details: { kind, value: String(value) },
    });
  }
}

/** Arguments to an API call are wrong in a way no name rule covers. */
export class InvalidArgumentError extends PraasError {
  static readonly code = 'INVALID_ARGUMENT';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_ARGUMENT', message, { details });
  }
}

/**
 * A function that does not exist: in one process class (`owner` is the class name), or in any
 * class of an application (`owner` is `{ app }`, `available` lists `Class.function` names).
 */
export class FunctionNotFoundError extends PraasError {
  static readonly code = 'FUNCTION_NOT_FOUND';
  constructor(owner: string | { readonly app: string }, fn: string, available: readonly string[]) {
    const list = available.join(', ') || '(none)';
    if (typeof owner === 'string') {
      super('FUNCTION_NOT_FOUND', `process class '${owner}' has no function '${fn}'; its functions are: ${list}`, {
        details: { processClass: owner, function: fn, available: [...available] },
      });
    } else {
      super(
        'FUNCTION_NOT_FOUND',
        `no process class of application '${owner.app}' has a function '${fn}'; its functions are: ${list}`,
        { details: { app: owner.app, function: fn, available: [...available] } },
      );
    }
  }
}

export class ProcessNotFoundError extends PraasError {
  static readonly code = 'PROCESS_NOT_FOUND';
  constructor(app: string, pid: string) {
    super('PROCESS_NOT_FOUND', `application '${app}' has no process '${pid}'`, { details: { app, pid } });
  }
}

export class ProcessClassNotFoundError extends PraasError {
  static readonly code = 'PROCESS_CLASS_NOT_FOUND';
  constructor(app: string, processClass: string, available: readonly string[]) {
    super(
      'PROCESS_CLASS_NOT_FOUND',
      `application '${app}' has no process class '${processClass}'; its classes are: ${available.join(', ') || '(none)'}`,
      { details: { app, processClass, available: [...available] } },
    );
  }
}

export class ApplicationNotFoundError extends PraasError {
  static readonly code = 'APPLICATION_NOT_FOUND';
  constructor(app: string) {
    super('APPLICATION_NOT_FOUND', `application '${app}' does not exist`, { details: { app } });
  }
}

export class AlreadyExistsError extends PraasError {
  static readonly code = 'ALREADY_EXISTS';
  constructor(kind: string, name: string) {
    super('ALREADY_EXISTS', `${kind} '${name}' already exists`, { details: { kind, name } });
  }
}

/** An operation did not complete in time; retryable. */
export class TimeoutError extends PraasError {
  static readonly code = 'TIMEOUT';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('TIMEOUT', message, { details, retryable: true });
  }
}

/** A value could not be encoded; `path` names the key or field and where inside it. */
export class EncodeError extends PraasError {
  static readonly code = 'ENCODE_FAILED';
  constructor(path: string, problem: string, cause?: unknown) {
    super('ENCODE_FAILED', `cannot encode ${path}: ${problem}`, { details: { path }, cause });
  }
}

export class DecodeError extends PraasError {
  static readonly code = 'DECODE_FAILED';
  constructor(what: string, problem: string, cause?: unknown) {
    super('DECODE_FAILED', `cannot decode ${what}: ${problem}`, { details: { what }, cause });
  }
}

/** Swapping a process out or in failed; the process keeps its previous, consistent state. */
export class SwapFailedError extends PraasError {
  static readonly code = 'SWAP_FAILED';
  constructor(message: string, options: PraasErrorOptions = {}) {
    super('SWAP_FAILED', message, { retryable: true, ...options });
  }
}

/** A snapshot read back from the store is missing a part or does not match its manifest. */
export class SnapshotCorruptError extends PraasError {
  static readonly code = 'SNAPSHOT_CORRUPT';
  constructor(object: string, problem: string) {
    super('SNAPSHOT_CORRUPT', `snapshot object '${object}' ${problem}`, { details: { object } });
  }
}

/** The process is not in a state that allows the operation (e.g. swapping); retryable. */
export class ProcessUnavailableError extends PraasError {
  static readonly code = 'PROCESS_UNAVAILABLE';
  constructor(app: string, pid: string, status: string) {
    super('PROCESS_UNAVAILABLE', `process '${pid}' of '${app}' is ${status}; try again`, {
      details: { app, pid, status },
      retryable: true,
    });
  }
}

/** A user function threw; carries the original error's name and message. */
export class FunctionError extends PraasError {
  static readonly code = 'FUNCTION_FAILED';
  constructor(fn: string, pid: string, originalName: string, originalMessage: string, options: PraasErrorOptions = {}) {
    super('FUNCTION_FAILED', originalMessage, {
      ...options,
      details: { function: fn, pid, errorName: originalName, ...options.details },
    });
  }
}

/** The transport or a service is closed or unreachable. */
export class UnavailableError extends PraasError {
  static readonly code = 'UNAVAILABLE';
  constructor(message: string, options: PraasErrorOptions = {}) {
    super('UNAVAILABLE', message, { retryable: true, ...options });
  }
}

/** A payload is over a configured limit. */
export class PayloadTooLargeError extends PraasError {
  static readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(what: string, size: number, limit: number) {
    super('PAYLOAD_TOO_LARGE', `${what} is ${size} bytes, over the limit of ${limit} bytes`, {
      details: { size, limit },
    });
  }
}

/** Nobody serves the subject: the process is not active anywhere. */
export class NoRespondersError extends PraasError {
  static readonly code = 'NO_RESPONDERS';
  constructor(subject: string) {
    super('NO_RESPONDERS', `no one serves '${subject}'`, { details: { subject }, retryable: true });
  }
}

/** A message or contribution with this id was already delivered; it is not delivered again. */
export class DuplicateMessageError extends PraasError {
  static readonly code = 'DUPLICATE_MESSAGE';
  constructor(id: string, fn: string) {
    super('DUPLICATE_MESSAGE', `message '${id}' was already delivered to '${fn}'; a retried id lands once`, {
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
  static readonly code = 'CODE_LOAD_FAILED';
  constructor(app: string, version: number, reason: string, host?: string) {
    super(
      'CODE_LOAD_FAILED',
      `code version ${version} of '${app}' cannot be loaded${host === undefined ? '' : ` on host ${host}`}: ${reason}; ` +
        'deploy a fixed version with praas-framework deploy --gateway URL',
      { details: { app, version, reason, ...(host === undefined ? {} : { host }) } },
    );
  }
}

/** `praas-framework build` could not compile or load the project; the message says where and why. */
export class BuildFailedError extends PraasError {
  static readonly code = 'BUILD_FAILED';
  constructor(message: string, options: PraasErrorOptions = {}) {
    super('BUILD_FAILED', message, options);
  }
}

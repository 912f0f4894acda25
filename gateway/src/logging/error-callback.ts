import type { LogFields, Logger, LogLevel } from '@praas/framework/internal';

/** The callback the gateway's components took before they took a Logger: told about errors that are the gateway's own fault. */
export type ErrorCallback = (message: string, error: unknown) => void;

/** Hands each `error` and `fatal` record to a callback too, with its `err` field, besides logging it. */
class ErrorCallbackLogger implements Logger {
  constructor(
    private readonly inner: Logger,
    private readonly callback: ErrorCallback,
  ) {}

  trace(message: string, fields?: LogFields): void {
    this.inner.trace(message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.inner.debug(message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.inner.info(message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.inner.warn(message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.inner.error(message, fields);
    this.callback(message, fields?.['err']);
  }
  fatal(message: string, fields?: LogFields): void {
    this.inner.fatal(message, fields);
    this.callback(message, fields?.['err']);
  }
  child(bindings: LogFields): Logger {
    return new ErrorCallbackLogger(this.inner.child(bindings), this.callback);
  }
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return this.inner.isLevelEnabled(level);
  }
}

/**
 * The logger a component logs to: `logger`, and when the older `log` option is given, that
 * callback too for every error (it keeps working for callers that pass it, e.g. tests that fail
 * on any error of the gateway's own).
 */
export function withErrorCallback(logger: Logger, callback: ErrorCallback | undefined): Logger {
  return callback ? new ErrorCallbackLogger(logger, callback) : logger;
}

/**
 * The framework's logging seam (DESIGN §8b, STYLE "A logger is a dependency, not a global"):
 * components take a {@link Logger} and log structured records through it; the application chooses
 * where they go. Entry points use the pino-backed `PinoLogger` (`loggerFromEnv`); `JsonLogger` writes
 * one JSON object per line without dependencies; `MemoryLogger` keeps records for tests.
 */

/** Severity, lowest first. `silent` disables a logger. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Structured attributes of a record. An `err` field holding an Error is written with its code and stack. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * A structured logger. Messages say what happened; fields carry the identifiers (app, pid, host,
 * function) so records can be filtered without parsing text.
 * @example
 * ```ts
 * const log = rootLogger.child({ app, pid });
 * log.warn('checkpoint failed; the previous one stays', { err, generation });
 * ```
 */
export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  fatal(message: string, fields?: LogFields): void;
  /** A logger whose records all carry `bindings` (e.g. `{ app, pid }`). */
  child(bindings: LogFields): Logger;
  /** Whether a record at `level` would be written: skip building costly fields when not. */
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** One record as a logger hands it to its sink. */
export interface LogRecord {
  readonly level: Exclude<LogLevel, 'silent'>;
  readonly time: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

const RANK: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 100,
};

/** Parses a level name (e.g. PRAAS_LOG_LEVEL), saying which names exist when it is not one. */
export function parseLogLevel(value: string, source = 'log level'): LogLevel {
  const level = value.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new Error(`${source} '${value}' is not a level: use one of ${LOG_LEVELS.join(', ')}`);
}

/** Turns an error into plain fields (name, code, message, stack, cause) so it survives JSON. */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const out: Record<string, unknown> = { type: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  if (error.stack !== undefined) out['stack'] = error.stack;
  if (error.cause !== undefined && depth < 3) out['cause'] = serializeError(error.cause, depth + 1);
  return out;
}

/** Base of the loggers here: level filtering, child bindings, error fields; subclasses write records. */
/**
 * The six level methods of a {@link Logger}, each handing its record to {@link LevelLogger.log};
 * shared by the framework's loggers.
 */
export abstract class LevelLogger implements Logger {
  abstract isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  abstract child(bindings: LogFields): Logger;
  protected abstract log(level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields | undefined): void;

  trace(message: string, fields?: LogFields): void {
    this.log('trace', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }
  fatal(message: string, fields?: LogFields): void {
    this.log('fatal', message, fields);
  }
}

abstract class BindingLogger extends LevelLogger {
  protected constructor(
    protected readonly level: LogLevel,
    protected readonly bindings: LogFields,
  ) {
    super();
  }

  protected abstract write(record: LogRecord): void;
  protected abstract withBindings(bindings: LogFields): Logger;

  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return RANK[level] >= RANK[this.level];
  }
  child(bindings: LogFields): Logger {
    return this.withBindings({ ...this.bindings, ...bindings });
  }

  protected log(level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields | undefined): void {
    if (!this.isLevelEnabled(level)) return;
    const record: Record<string, unknown> = { level, time: Date.now(), msg: message, ...this.bindings };
    if (fields) for (const [k, v] of Object.entries(fields)) record[k] = k === 'err' ? serializeError(v) : v;
    this.write(record as LogRecord);
  }
}

export interface JsonLoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Fields on every record. */
  bindings?: LogFields;
  /** Where lines go (default: standard error, so standard output stays the program's own). */
  write?: (line: string) => void;
}

/** Writes one JSON object per line: `{"level":"warn","time":...,"msg":"...","app":"shop",...}`. */
export class JsonLogger extends BindingLogger {
  private readonly out: (line: string) => void;

  constructor(options: JsonLoggerOptions = {}) {
    super(options.level ?? 'info', options.bindings ?? {});
    this.out = options.write ?? ((line) => process.stderr.write(line));
  }

  protected write(record: LogRecord): void {
    this.out(`${safeStringify(record)}\n`);
  }
  protected withBindings(bindings: LogFields): Logger {
    return new JsonLogger({ level: this.level, bindings, write: this.out });
  }
}

/** Keeps records in memory: for tests that assert what was logged. */
export class MemoryLogger extends BindingLogger {
  constructor(
    level: LogLevel = 'trace',
    bindings: LogFields = {},
    /** Shared by a logger and its children. */
    readonly records: LogRecord[] = [],
  ) {
    super(level, bindings);
  }

  protected write(record: LogRecord): void {
    this.records.push(record);
  }
  protected withBindings(bindings: LogFields): Logger {
    return new MemoryLogger(this.level, bindings, this.records);
  }
  /** The records at `level`, optionally only those whose message contains `text`. */
  at(level: Exclude<LogLevel, 'silent'>, text?: string): LogRecord[] {
    return this.records.filter((r) => r.level === level && (text === undefined || r.msg.includes(text)));
  }
}

/** Discards everything. */
export const silentLogger: Logger = new JsonLogger({ level: 'silent', write: () => undefined });

function safeStringify(record: LogRecord): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  });
}

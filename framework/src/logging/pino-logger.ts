import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import { LevelLogger, parseLogLevel, serializeError, type LogFields, type Logger, type LogLevel } from './logger';

/** How records are written: one JSON object per line (the default), or coloured lines for a person. */
export type LogFormat = 'json' | 'pretty';

export interface PinoLoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Fields on every record. */
  bindings?: LogFields;
  /** `json` (default) or `pretty`. */
  format?: LogFormat;
  /** Where records go (default: standard error, written synchronously so that no record is lost at exit). */
  destination?: DestinationStream;
}

/**
 * The framework's {@link Logger} on pino (DESIGN §8b): JSON records on stderr with `level` as a
 * name (`"level":"warn"`), `time` in epoch milliseconds, `msg`, the bindings and the fields; an
 * `err` field is written with its type, code, message, stack and cause. Pino's own `pid` and
 * `hostname` are left out: `pid` names a cloud process here.
 * @example
 * ```ts
 * const log = new PinoLogger({ level: 'debug', bindings: { app: 'shop' } });
 * log.child({ pid }).info('swapped out', { bytes, ms });
 * ```
 */
export class PinoLogger extends LevelLogger {
  private readonly pino: Pino;

  constructor(options: PinoLoggerOptions | { pino: Pino }) {
    super();
    if ('pino' in options) {
      this.pino = options.pino;
      return;
    }
    const destination =
      options.destination ??
      (options.format === 'pretty'
        ? pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, translateTime: 'SYS:HH:MM:ss.l' })
        : pino.destination({ dest: 2, sync: true }));
    const root = pino(
      {
        level: options.level ?? 'info',
        base: undefined,
        timestamp: pino.stdTimeFunctions.epochTime,
        formatters: { level: (label) => ({ level: label }) },
        // Errors are already plain fields (serializeError keeps code and cause): pino's own would wrap them again.
        serializers: { err: (value: unknown) => value },
      },
      destination,
    );
    const bindings = options.bindings ?? {};
    this.pino = Object.keys(bindings).length === 0 ? root : root.child(plain(bindings));
  }

  protected log(level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields | undefined): void {
    if (this.pino.isLevelEnabled(level)) this.pino[level](plain(fields), message);
  }
  child(bindings: LogFields): Logger {
    return new PinoLogger({ pino: this.pino.child(plain(bindings)) });
  }
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return this.pino.isLevelEnabled(level);
  }
}

/** Fields as pino should write them: errors as plain fields, bytes as their size, bigints as text. */
function plain(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!fields) return out;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) out[key] = serializeError(value);
    else if (value instanceof Uint8Array) out[key] = `<${value.byteLength} bytes>`;
    else if (typeof value === 'bigint') out[key] = value.toString();
    else out[key] = value;
  }
  return out;
}

/** Parses PRAAS_LOG_FORMAT (`json` or `pretty`), saying which exist when it is neither. */
export function parseLogFormat(value: string | undefined): LogFormat {
  const format = (value ?? '').trim().toLowerCase();
  if (format === '' || format === 'json') return 'json';
  if (format === 'pretty') return 'pretty';
  throw new Error(`PRAAS_LOG_FORMAT '${value}' is not a format: use json or pretty`);
}

/**
 * The process-wide default for entry points: pino on stderr at PRAAS_LOG_LEVEL (default `info`),
 * JSON unless PRAAS_LOG_FORMAT=pretty.
 */
export function loggerFromEnv(env: NodeJS.ProcessEnv = process.env, bindings: LogFields = {}): Logger {
  const raw = env['PRAAS_LOG_LEVEL'];
  const level = raw === undefined || raw === '' ? 'info' : parseLogLevel(raw, 'PRAAS_LOG_LEVEL');
  return new PinoLogger({ level, bindings, format: parseLogFormat(env['PRAAS_LOG_FORMAT']) });
}

import { inspect } from 'node:util';
import type { Logger } from '../logging/logger';

/**
 * Where a component reports a fault it survived: a message saying what failed, and the error.
 * A plain function so that tests can collect the lines; components that have a {@link Logger}
 * (DESIGN §8b) log through it instead ({@link LoopHealth} takes either).
 */
export type FaultLog = (message: string, error?: unknown) => void;

/** An error for a log line: its stack (which starts with its message), and its cause's. */
export function describeFault(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : inspect(error);
  let text = error.stack ?? `${error.name}: ${error.message}`;
  for (let cause = error.cause, depth = 0; cause !== undefined && depth < 3; depth++) {
    text += `\n  caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : inspect(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/**
 * The default {@link FaultLog}: one entry on stderr, prefixed `praas <source>:`. For the
 * last-resort handlers of the entry points and components that have no {@link Logger}.
 * @example
 * ```ts
 * const log = faultLog('gateway');
 * log('the down-scaling pass failed', error); // praas gateway: the down-scaling pass failed: TimeoutError: ...
 * ```
 */
export function faultLog(source: string): FaultLog {
  return (message, error) => {
    console.error(`praas ${source}: ${message}${error === undefined ? '' : `: ${describeFault(error)}`}`);
  };
}

/**
 * The health of one background loop (a heartbeat, a watch, a policy pass) whose dependency can go
 * away and come back: it logs the first failure of a run and the recovery, not every failed round,
 * so a NATS restart leaves two lines per loop rather than one per tick. With a {@link Logger} the
 * first failure is a `warn` record (with `err`), every further failed round a `debug` record, and
 * the recovery an `info` record (with `failedRounds`).
 * @example
 * ```ts
 * const health = new LoopHealth('the heartbeat of host h1', faultLog('host'));
 * setInterval(() => void beat().then(() => health.succeeded(), (e: unknown) => health.failed(e)), 2_000);
 * ```
 */
export class LoopHealth {
  private failures = 0;

  constructor(
    private readonly what: string,
    private readonly log: FaultLog | Logger,
  ) {}

  /** Whether the last round failed. */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Records a failed round; the first of a run is logged with its error. */
  failed(error: unknown): void {
    this.failures++;
    const message = `${this.what} failed; it keeps retrying`;
    if (typeof this.log === 'function') {
      if (this.failures === 1) this.log(message, error);
    } else if (this.failures === 1) this.log.warn(message, { err: error });
    else this.log.debug(message, { err: error, failedRounds: this.failures });
  }

  /** Records a successful round; logs the recovery when rounds had failed. */
  succeeded(): void {
    if (this.failures === 0) return;
    const message = `${this.what} works again, after ${this.failures} failed round${this.failures === 1 ? '' : 's'}`;
    if (typeof this.log === 'function') this.log(message);
    else this.log.info(message, { failedRounds: this.failures });
    this.failures = 0;
  }
}

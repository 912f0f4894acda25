import { InvalidArgumentError } from '@praas/framework/internal';

/**
 * Retries of one S3 request (one chunk, one manifest, one listing) that failed transiently: the
 * connection was refused, reset or broke (ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, socket hang
 * up), or the server answered 5xx, 429 or SlowDown. The wait doubles from `baseDelayMs` up to
 * `maxDelayMs`, with jitter. With the defaults an unreachable endpoint fails after about a second,
 * not after a caller's whole timeout. A request that hit `requestTimeoutMs` is not retried: it
 * already waited that long.
 */
export interface S3RetryOptions {
  /** Attempts per request, the first included (default 4; 1 turns retries off). */
  readonly attempts?: number;
  /** Wait before the first retry (default 100 ms). */
  readonly baseDelayMs?: number;
  /** Longest wait between two attempts (default 1 000 ms). */
  readonly maxDelayMs?: number;
}

/** {@link S3RetryOptions} checked, with their defaults, and the backoff they give. */
export class S3RetryPolicy {
  readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  /** @throws InvalidArgumentError naming the setting that cannot work. */
  constructor(options: S3RetryOptions = {}) {
    this.attempts = options.attempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 1_000;
    if (!(Number.isSafeInteger(this.attempts) && this.attempts >= 1)) {
      throw new InvalidArgumentError(`retry.attempts must be a whole number of at least 1, got ${this.attempts}`);
    }
    for (const [name, value] of [
      ['retry.baseDelayMs', this.baseDelayMs],
      ['retry.maxDelayMs', this.maxDelayMs],
    ] as const) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new InvalidArgumentError(`${name} must be a number of at least 0, got ${value}`);
      }
    }
  }

  /** How long to wait after failed attempt `attempt` (1-based): half the backoff plus jitter up to all of it. */
  delayAfter(attempt: number): number {
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(delay / 2 + Math.random() * (delay / 2));
  }
}

import assert from 'node:assert/strict';
import { PraasError } from '@praas/framework/internal';

/** Values of one caller are `caller * CALLER_STRIDE + i`, so a delivered value names its caller and its place. */
const CALLER_STRIDE = 1_000_000;

/** What {@link Traffic.check} finds in what a receiver kept. */
export interface DeliveryCheck {
  /** Acknowledged values that were not delivered. */
  readonly lost: number[];
  /** Values delivered more than once. */
  readonly duplicated: number[];
  /** Delivered values that no caller sent. */
  readonly unexpected: number[];
  /** Callers whose delivered values are not in the order they sent them. */
  readonly outOfOrder: number[];
  /** Delivered values whose call failed (they may or may not have landed; each at most once). */
  readonly uncertainDelivered: number;
}

/** Options of {@link Traffic.start}. */
export interface TrafficOptions {
  /** Concurrent callers, each sending its values one after another. */
  readonly callers: number;
  /**
   * Whether a value whose call failed retryably is sent again (an idempotent call: an invocation
   * with an idempotency key) until acknowledged; else the caller moves on and the value counts as uncertain.
   */
  readonly retry: boolean;
  /** Pause between one caller's calls (default 5 ms), so traffic runs all along without saturating the machine. */
  readonly pauseMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Traffic for the chaos suites: callers that send numbered values while a test breaks things,
 * and the books to check what arrived: accepted vs delivered, duplicates, order per caller, and
 * the longest stretch without an acknowledgement (the time the system took to recover).
 */
export class Traffic {
  readonly accepted: number[] = [];
  readonly uncertain = new Set<number>();
  /** Failed calls by error code (non-PraasErrors under their name). */
  readonly failures = new Map<string, number>();
  private sent = 0;
  private stopped = false;
  /** What ended a caller: the other callers stop too, and every wait throws it. */
  private failure: { readonly error: unknown } | undefined;
  private inFlight = 0;
  private paused: Promise<void> | undefined;
  private resumePaused: (() => void) | undefined;
  private running: Promise<void>[] = [];
  private lastAckAt = Date.now();
  private longestStall = 0;
  /** Traffic started and not stopped yet, for {@link Traffic.stopAll}. */
  private static readonly live = new Set<Traffic>();

  /** @param name names the traffic in {@link summary}, e.g. `invokes` */
  constructor(readonly name: string) {}

  /**
   * Stops every traffic still running and returns what ended their callers (for a suite's
   * `afterEach`: a test that failed half-way must not leave callers running into the teardown).
   */
  static async stopAll(): Promise<unknown[]> {
    const live = [...Traffic.live];
    const outcomes = await Promise.allSettled(live.map((t) => t.stop()));
    return outcomes.flatMap((o): unknown[] => (o.status === 'rejected' ? [o.reason as unknown] : []));
  }

  /**
   * Starts the callers; `call(value)` resolves once the system acknowledged the value. A failure
   * that is not a retryable PraasError stops every caller and is thrown by {@link untilAcknowledged}
   * and {@link stop}. A retried value waits `pauseMs` between its calls.
   */
  start(call: (value: number) => Promise<unknown>, options: TrafficOptions): void {
    this.lastAckAt = Date.now();
    Traffic.live.add(this);
    const pauseMs = options.pauseMs ?? 5;
    this.running = Array.from({ length: options.callers }, async (_, caller) => {
      try {
        for (let i = 0; !this.stopped; i++) {
          const value = caller * CALLER_STRIDE + i;
          while (!(await this.attempt(call, value, options.retry))) await sleep(pauseMs);
          await sleep(pauseMs);
        }
      } catch (e) {
        // Kept, not thrown: the waits and stop throw it, and no rejection is left unhandled meanwhile.
        this.failure ??= { error: e };
        this.stopped = true;
      }
    });
  }

  /** One call of `value`: true once the value is done with (acknowledged, or failed and not to be retried). */
  private async attempt(call: (value: number) => Promise<unknown>, value: number, retry: boolean): Promise<boolean> {
    if (this.paused) await this.paused;
    this.sent++;
    this.inFlight++;
    try {
      await call(value);
      this.acknowledge(value);
      return true;
    } catch (e) {
      if (!(e instanceof PraasError) || !e.retryable) throw e;
      this.failures.set(e.code, (this.failures.get(e.code) ?? 0) + 1);
      this.uncertain.add(value);
      return !retry || this.stopped;
    } finally {
      this.inFlight--;
    }
  }

  private acknowledge(value: number): void {
    const now = Date.now();
    this.longestStall = Math.max(this.longestStall, now - this.lastAckAt);
    this.lastAckAt = now;
    this.accepted.push(value);
  }

  /**
   * Resolves once `more` further values were acknowledged (the test's timeout bounds the wait).
   * @throws what ended a caller, or an Error when the traffic stopped before.
   */
  async untilAcknowledged(more: number): Promise<void> {
    const target = this.accepted.length + more;
    while (this.accepted.length < target) {
      if (this.failure) throw this.failure.error;
      if (this.stopped)
        throw new Error(
          `${this.name} stopped with ${target - this.accepted.length} of ${more} more acknowledgements to wait for`,
        );
      await sleep(20);
    }
  }

  /**
   * Holds the callers before their next call (resolves once their current calls settled, so the
   * test can set the stage, e.g. swap a process out, without traffic undoing it).
   */
  async pause(): Promise<void> {
    this.paused ??= new Promise<void>((resolve) => (this.resumePaused = resolve));
    while (this.inFlight > 0) await sleep(10);
  }

  /** Lets paused callers go on. */
  resume(): void {
    this.resumePaused?.();
    this.paused = undefined;
    this.resumePaused = undefined;
    this.lastAckAt = Date.now();
  }

  /** Stops the callers after their current call; throws what ended a caller. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.resume();
    await Promise.allSettled(this.running);
    Traffic.live.delete(this);
    if (this.failure) throw this.failure.error;
  }

  /** Longest time without an acknowledgement while the traffic ran. */
  get longestStallMs(): number {
    return this.longestStall;
  }

  /** Compares what a receiver kept, in the order it took it, with what was sent. */
  check(delivered: readonly number[]): DeliveryCheck {
    const acknowledged = new Set(this.accepted);
    const counts = new Map<number, number>();
    for (const v of delivered) counts.set(v, (counts.get(v) ?? 0) + 1);
    const lastOf = new Map<number, number>();
    const outOfOrder = new Set<number>();
    for (const v of delivered) {
      const caller = Math.floor(v / CALLER_STRIDE);
      if ((lastOf.get(caller) ?? -1) >= v) outOfOrder.add(caller);
      lastOf.set(caller, v);
    }
    return {
      lost: this.accepted.filter((v) => !counts.has(v)),
      duplicated: [...counts].filter(([, c]) => c > 1).map(([v]) => v),
      unexpected: [...counts.keys()].filter((v) => !acknowledged.has(v) && !this.uncertain.has(v)),
      outOfOrder: [...outOfOrder],
      uncertainDelivered: [...counts.keys()].filter((v) => !acknowledged.has(v)).length,
    };
  }

  /** One line of figures for the test output. */
  summary(check?: DeliveryCheck): string {
    const failures = JSON.stringify(Object.fromEntries(this.failures));
    const delivery = check
      ? `, ${check.lost.length} lost, ${check.duplicated.length} duplicated, ${check.outOfOrder.length} callers out of order, ` +
        `${check.uncertainDelivered} of ${this.uncertain.size} failed calls delivered`
      : '';
    return (
      `${this.name}: ${this.sent} calls, ${this.accepted.length} acknowledged${delivery}; failures ${failures}; ` +
      `longest stall ${this.longestStall} ms`
    );
  }
}

/** Asserts that `check` found nothing acknowledged lost, nothing twice, nothing unknown, and every caller's order. */
export function assertDelivered(name: string, check: DeliveryCheck): void {
  assert.deepEqual(check.lost, [], `${name} acknowledged and lost`);
  assert.deepEqual(check.duplicated, [], `${name} delivered twice`);
  assert.deepEqual(check.unexpected, [], `${name} nobody sent`);
  assert.deepEqual(check.outOfOrder, [], `callers whose ${name} came out of order`);
}

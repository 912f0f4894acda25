import {
  fromWireError,
  ProcessNotFoundError,
  toWireError,
  type DataPlaneClient,
  type InvokeEnvelope,
  type Logger,
  type ReplyEnvelope,
  type TimerStore,
  type VersionedTimer,
} from '@praas/framework/internal';
import type { HostMetrics } from '../metrics/host-metrics';
import {
  afterFailure,
  afterSuccess,
  firingId,
  scheduledAtOf,
  skipsMissed,
  type FiringPolicy,
  type TimerChange,
} from './firing-plan';

/** Tuning of a {@link TimerFirer}; every field has a default. */
export interface TimerFirerOptions {
  /** The longest sleep between two looks at the due index (default 1 000 ms). */
  readonly pollMs?: number;
  /** Timers read from the index per look (default 256). */
  readonly batch?: number;
  /** Firings in flight from this host at most (default 512). */
  readonly maxInFlight?: number;
  /** How long a firing's invocation may take before it counts as failed (default 60 000 ms). */
  readonly firingTimeoutMs?: number;
  /** Backoff before the first retry of a failed firing (default 1 000 ms), doubling up to `retryMaxMs`. */
  readonly retryBaseMs?: number;
  /** The longest retry backoff (default 300 000 ms). */
  readonly retryMaxMs?: number;
  /** A firing later than this counts as a missed window, which `catchUp: 'skip'` drops (default 60 000 ms). */
  readonly missedAfterMs?: number;
  /** How long `stop` waits for firings in flight before it leaves them to their leases (default 5 000 ms). */
  readonly stopGraceMs?: number;
}

/** What a {@link TimerFirer} works with. */
export interface TimerFirerDeps {
  readonly app: string;
  readonly hostId: string;
  readonly store: TimerStore;
  /** The path every invocation takes: live to the process's holder, else queued and activated. */
  readonly dataPlane: DataPlaneClient;
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics?: HostMetrics;
  readonly options?: TimerFirerOptions;
}

/**
 * Fires the application's due timers from this host (issue 19). Every host of the application
 * runs one over the shared store: it reads the due index up to the next poll, sleeps until the
 * earliest timer it saw (or the next poll, or a nearer timer scheduled here), then claims each due
 * timer with a compare-and-set lease, so one host fires each firing, and delivers it as an
 * invocation through the data plane. A host that dies holding a claim leaves it to expire; another
 * host then fires again with the same firing id, which the process runs at most once.
 */
export class TimerFirer {
  private readonly policy: FiringPolicy;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly maxInFlight: number;
  private readonly firingTimeoutMs: number;
  private readonly leaseMs: number;
  private readonly stopGraceMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private sleeper: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private awake: (() => void) | undefined;
  /** A nearer timer was scheduled while the firer was looking: it looks again before sleeping. */
  private lookAgain = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: TimerFirerDeps) {
    const o = deps.options ?? {};
    this.pollMs = o.pollMs ?? 1_000;
    this.batch = o.batch ?? 256;
    this.maxInFlight = o.maxInFlight ?? 512;
    this.firingTimeoutMs = o.firingTimeoutMs ?? 60_000;
    // Longer than a firing may take: a claim expires only when its host is gone or stuck.
    this.leaseMs = this.firingTimeoutMs + 30_000;
    this.stopGraceMs = o.stopGraceMs ?? 5_000;
    this.policy = {
      retryBaseMs: o.retryBaseMs ?? 1_000,
      retryMaxMs: o.retryMaxMs ?? 300_000,
      missedAfterMs: o.missedAfterMs ?? 60_000,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops looking for due timers; waits a grace period for firings in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.awake?.();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.stopGraceMs)));
    await Promise.race([Promise.all(this.inFlight), grace]);
    clearTimeout(timer);
  }

  /** A timer due at `dueAt` was scheduled on this host: wake up for it if the firer sleeps longer. */
  wake(dueAt: number): void {
    if (this.awake === undefined) this.lookAgain = true;
    else if (dueAt < this.wakeAt) this.awake();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sleepUntil: number;
      try {
        sleepUntil = await this.look();
      } catch (e) {
        this.deps.logger.warn('the timer store could not be read; trying again', { err: e });
        sleepUntil = this.deps.now() + this.pollMs;
      }
      if (this.running) await this.sleep(sleepUntil);
    }
  }

  /**
   * One look at the due index: fires what is due, and returns when to look again: at once when a
   * full batch was due, else at the earliest timer seen or after a poll interval.
   */
  private async look(): Promise<number> {
    const now = this.deps.now();
    const horizon = now + this.pollMs;
    const found = await this.deps.store.due(this.deps.app, horizon, this.batch);
    let dueNow = 0;
    let next = horizon;
    for (const v of found) {
      if (v.timer.dueAt > now) {
        next = Math.min(next, v.timer.dueAt);
        continue;
      }
      dueNow++;
      while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
      if (!this.running) break;
      const firing = this.fire(v);
      this.inFlight.add(firing);
      void firing.finally(() => this.inFlight.delete(firing));
    }
    this.deps.metrics?.timersDue.set(dueNow);
    return dueNow === this.batch ? now : next;
  }

  private sleep(until: number): Promise<void> {
    const ms = until - this.deps.now();
    const again = this.lookAgain;
    this.lookAgain = false;
    if (ms <= 0 || again) return Promise.resolve();
    this.wakeAt = until;
    return new Promise<void>((resolve) => {
      this.awake = () => {
        clearTimeout(this.sleeper);
        this.awake = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        resolve();
      };
      this.sleeper = setTimeout(this.awake, Math.min(ms, this.pollMs));
    });
  }

  /** Claims one due timer and fires it; never rejects (failures are logged and retried later). */
  private async fire(v: VersionedTimer): Promise<void> {
    const { store, app, hostId, now, metrics, logger } = this.deps;
    const { pid, id } = v.timer;
    try {
      const claimed = await store.claim(app, pid, id, v.revision, { owner: hostId, leaseMs: this.leaseMs });
      if (claimed === undefined) return; // Another host (or a change) came first.
      const t = claimed.timer;
      const scheduledAt = scheduledAtOf(t);
      if (t.attempt === 1) metrics?.timerLateness.observe(Math.max(0, now() - scheduledAt));
      if (skipsMissed(t, now(), this.policy)) {
        logger.info('a timer missed its window and skips it (catchUp: skip)', { pid, timer: id, scheduledAt });
        metrics?.timersFired.inc({ outcome: 'skipped' });
        return await this.commit(claimed, afterSuccess(t, now()));
      }
      const envelope: InvokeEnvelope = {
        t: 'inv',
        id: firingId(t),
        from: `timer:${id}`,
        fn: t.fn,
        data: t.data,
        timeoutMs: this.firingTimeoutMs,
        timer: { id, attempt: t.attempt, scheduledAt },
      };
      let reply: ReplyEnvelope;
      try {
        reply = await this.deps.dataPlane.invoke(pid, envelope, this.firingTimeoutMs, { idempotent: true });
      } catch (e) {
        reply = { ok: false, error: toWireError(e) };
      }
      if (reply.ok) {
        metrics?.timersFired.inc({ outcome: 'ok' });
        return await this.commit(claimed, afterSuccess(t, now()));
      }
      if (reply.error.code === ProcessNotFoundError.code) {
        logger.warn('a timer of a process that no longer exists is removed', { pid, timer: id });
        return await this.commit(claimed, { remove: true });
      }
      metrics?.timersFired.inc({ outcome: 'failed' });
      metrics?.timerRetries.inc();
      logger.warn('a timer firing failed; it is retried', {
        pid,
        timer: id,
        fn: t.fn,
        attempt: t.attempt,
        err: fromWireError(reply.error),
      });
      await this.commit(claimed, afterFailure(t, now(), this.policy));
    } catch (e) {
      // The claim's lease expires and a firer (this one or another) takes the firing again.
      logger.error('a timer firing could not be completed; it fires again once its claim expires', {
        pid,
        timer: id,
        err: e,
      });
    }
  }

  /** Writes the outcome of a firing, only while the timer is as claimed (a replacement or cancel wins). */
  private async commit(claimed: VersionedTimer, change: TimerChange): Promise<void> {
    const { store } = this.deps;
    const { app, pid, id } = claimed.timer;
    const done = change.remove
      ? await store.delete(app, pid, id, claimed.revision)
      : (await store.update(change.timer, claimed.revision)) !== undefined;
    if (!done) this.deps.logger.debug('a timer changed while it fired; the change stands', { pid, timer: id });
    else if (!change.remove) this.wake(change.timer.dueAt);
  }
}

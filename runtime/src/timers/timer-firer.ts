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

/** The longest interval of looks, however slow the index lists. */
const MAX_INTERVAL_MS = 30_000;

const keyOf = (v: VersionedTimer): string => `${v.timer.pid}.${v.timer.id}`;

/** Tuning of a {@link TimerFirer}; every field has a default. */
export interface TimerFirerOptions {
  /**
   * Interval of looks at the due index (default 1 000 ms), stretched to ten times the last look's
   * duration when the index is slow to list (a large JetStream bucket), so looking costs the store
   * at most a tenth of the time. A look reads the timers due within two intervals.
   */
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
 * runs one over the shared store: once a poll interval it reads the due index up to the next look,
 * keeps those timers (and the ones written here meanwhile), sleeps until the earliest, then claims
 * it with a compare-and-set lease, so one host fires each firing, and delivers it as an invocation
 * through the data plane. A look costs a listing of the index (on JetStream a filtered watch,
 * which grows with the bucket), so it is not repeated per firing. A host that dies holding a claim leaves it to expire; another
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
  /** When the firer next reads the due index. */
  private nextLookAt = Number.NEGATIVE_INFINITY;
  /** The current interval of looks: `pollMs`, or ten times the last look's duration when longer. */
  private interval: number;
  /** Up to when the current or last look read the index: the known timers are complete up to there. */
  private horizon = Number.NEGATIVE_INFINITY;
  private looking: Promise<void> | undefined;
  /** Timers due before the next look ends, as last read or written here, by `pid.id`. */
  private known = new Map<string, VersionedTimer>();
  /** Timers this host is firing now, by `pid.id`: not claimed twice. */
  private readonly firing = new Set<string>();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: TimerFirerDeps) {
    const o = deps.options ?? {};
    this.pollMs = o.pollMs ?? 1_000;
    this.interval = this.pollMs;
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
    await this.looking;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.stopGraceMs)));
    await Promise.race([Promise.all(this.inFlight), grace]);
    clearTimeout(timer);
  }

  /**
   * A timer was written on this host (scheduled, rescheduled after a firing, or retried): the firer
   * keeps it among the timers it knows when it is due within what the current or last look read
   * (a later one is read by a later look in time), and wakes up for it if it sleeps longer. So a
   * timer due soon is claimed at its time, without a look at the index.
   */
  wake(timer: VersionedTimer): void {
    if (timer.timer.dueAt > this.horizon) return;
    this.known.set(keyOf(timer), timer);
    if (timer.timer.dueAt < this.wakeAt) this.awake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const sleepUntil = await this.step();
      if (this.running) await this.sleep(sleepUntil);
    }
  }

  /**
   * Starts a look at the due index when its time came (once an interval, at once after a full
   * batch), fires the known timers that are due (a look in progress does not hold them up), and
   * returns when to wake: at the earliest known timer or the next look.
   */
  private async step(): Promise<number> {
    const now = this.deps.now();
    if (now >= this.nextLookAt) this.startLook(now);
    let dueNow = 0;
    let next = this.nextLookAt;
    for (const [key, v] of [...this.known]) {
      if (v.timer.dueAt > this.deps.now()) {
        next = Math.min(next, v.timer.dueAt);
        continue;
      }
      this.known.delete(key);
      if (this.firing.has(key)) continue;
      dueNow++;
      while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
      if (!this.running) break;
      this.firing.add(key);
      const firing = this.fire(v).finally(() => {
        this.firing.delete(key);
        this.inFlight.delete(firing);
      });
      this.inFlight.add(firing);
    }
    this.deps.metrics?.timersDue.set(dueNow);
    return next;
  }

  /** Reads the index two intervals ahead in the background; wakes the loop when done. */
  private startLook(now: number): void {
    this.nextLookAt = Number.POSITIVE_INFINITY; // Until this look ends.
    this.horizon = Math.max(this.horizon, now + 2 * this.interval);
    const look = this.look(now).then(
      (full) => {
        this.nextLookAt = full ? this.deps.now() : now + this.interval;
      },
      (e: unknown) => {
        this.deps.logger.warn('the timer store could not be read; trying again', { err: e });
        this.nextLookAt = this.deps.now() + this.pollMs;
      },
    );
    this.looking = look.finally(() => {
      this.looking = undefined;
      this.awake?.();
    });
  }

  /** One look: the timers due up to the horizon become the known ones. True when the batch was full. */
  private async look(now: number): Promise<boolean> {
    const found = await this.deps.store.due(this.deps.app, this.horizon, this.batch);
    this.interval = Math.max(this.pollMs, Math.min(MAX_INTERVAL_MS, 10 * (this.deps.now() - now)));
    // The index's revisions win. A known timer it lacks was written after the listing began, or is
    // gone: it is kept, and a stale one only costs a claim that finds another revision.
    const known = this.known;
    this.known = new Map(found.map((v) => [keyOf(v), v]));
    for (const [key, v] of known) if (!this.known.has(key)) this.known.set(key, v);
    const full = found.length === this.batch;
    // A full batch read only the earliest timers: later ones are left to the next look.
    if (full) this.horizon = Math.min(this.horizon, found[found.length - 1]!.timer.dueAt);
    return full;
  }

  private sleep(until: number): Promise<void> {
    const ms = until - this.deps.now();
    if (ms <= 0) return Promise.resolve();
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
    if (change.remove) {
      if (!(await store.delete(app, pid, id, claimed.revision))) this.changedMeanwhile(pid, id);
      return;
    }
    const revision = await store.update(change.timer, claimed.revision);
    if (revision === undefined) this.changedMeanwhile(pid, id);
    else this.wake({ timer: change.timer, revision });
  }

  private changedMeanwhile(pid: string, id: string): void {
    this.deps.logger.debug('a timer changed while it fired; the change stands', { pid, timer: id });
  }
}

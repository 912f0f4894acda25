import { LoopHealth, silentLogger, type Logger } from '@praas/framework/internal';
import type { NatsKvTimerStore } from '@praas/framework/nats';

/** Options of {@link TimerMarkerSweeper}. */
export interface TimerMarkerSweeperOptions {
  readonly store: NatsKvTimerStore;
  /** Time between passes (default 30 000 ms; the next pass comes at once while markers remain). */
  readonly intervalMs?: number;
  readonly logger?: Logger;
}

/**
 * Removes the deletion markers the hosts' timer deletes leave in the timer bucket: hosts that run as
 * their application's NATS user may not purge it (a purge's filter is in the request body, out of
 * reach of nats-server permissions), a gateway may. Each pass reads the entries written since the
 * last one, so a gateway's first pass reads the whole bucket and later ones only what is new.
 */
export class TimerMarkerSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private after = 0;
  private stopped = false;
  private readonly logger: Logger;
  private readonly health: LoopHealth;

  constructor(private readonly options: TimerMarkerSweeperOptions) {
    this.logger = options.logger ?? silentLogger;
    this.health = new LoopHealth('the sweep of timer deletion markers', this.logger);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(
          () => this.health.succeeded(),
          // NATS unreachable, most likely: the next pass tries again from the same place.
          (e: unknown) => this.health.failed(e),
        )
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Sweeps until no entry written before the call is left unread. Returns how many markers went. */
  async sweep(): Promise<number> {
    let removed = 0;
    for (;;) {
      const pass = await this.options.store.sweepDeleted(this.after);
      this.after = pass.last;
      removed += pass.removed;
      if (!pass.more || this.stopped) break;
    }
    if (removed > 0) this.logger.debug('removed timer deletion markers', { removed, after: this.after });
    return removed;
  }
}

import {
  MemoryTimerStore,
  type DataPlaneClient,
  type Logger,
  type TimerStore,
  type VersionedTimer,
} from '@praas/framework/internal';
import type { HostMetrics } from '../metrics/host-metrics';
import type { HostTimers } from './process-timers';
import { TimerFirer, type TimerFirerOptions } from './timer-firer';

/** How a host keeps and fires timers; part of the host's options. */
export interface HostTimerOptions {
  /**
   * Where the application's timers live, shared by all its hosts (run-host: JetStream KV). Default:
   * a MemoryTimerStore of this host alone, which only suits a single in-process host; several
   * in-process hosts of one application must share one store.
   */
  readonly store?: TimerStore;
  /** The clock of timers (default Date.now): tests run schedules on a clock of their own. */
  readonly now?: () => number;
  readonly firer?: TimerFirerOptions;
}

/**
 * A host's timers: the store its processes schedule into, the clock, and the {@link TimerFirer}
 * that fires the application's due timers from this host. It closes the store only when it made it.
 */
export class HostTimerService implements HostTimers {
  readonly store: TimerStore;
  readonly now: () => number;
  private readonly firer: TimerFirer;
  private readonly ownsStore: boolean;

  constructor(
    deps: { app: string; hostId: string; dataPlane: DataPlaneClient; logger: Logger; metrics?: HostMetrics },
    options: HostTimerOptions = {},
  ) {
    const now = (this.now = options.now ?? Date.now);
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new MemoryTimerStore({ now });
    this.firer = new TimerFirer({
      ...deps,
      store: this.store,
      now,
      ...(options.firer ? { options: options.firer } : {}),
    });
  }

  readonly wake = (timer: VersionedTimer): void => this.firer.wake(timer);

  start(): void {
    this.firer.start();
  }

  async stop(): Promise<void> {
    await this.firer.stop();
    if (this.ownsStore) await this.store.close();
  }
}

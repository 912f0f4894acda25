import {
  TimerNotFoundError,
  timerDetails,
  UnavailableError,
  validateName,
  type TimerDetailsPage,
  type TimerListQuery,
  type TimerStore,
} from '@praas/framework/internal';
import type { RegistryLookups } from './registry-lookups';

/** A listing of timers: a page of the application's, or with `pid` of one process's. */
export interface TimerListing extends TimerListQuery {
  readonly pid?: string;
}

/**
 * The durable timers as the gateway shows and cancels them (issue 19): pages read from the timer
 * store the hosts fire from, reduced to their public shape (`TimerDetails`, no payload). An unknown
 * application or process is answered as such before the store is read.
 */
export class TimerOperations {
  constructor(
    private readonly lookups: RegistryLookups,
    private readonly store: TimerStore | undefined,
  ) {}

  /**
   * One page of the application's timers, or of one process's.
   * @throws ApplicationNotFoundError, ProcessNotFoundError; InvalidArgumentError for a bad limit or cursor.
   */
  async listTimers(app: string, listing: TimerListing = {}): Promise<TimerDetailsPage> {
    if (listing.pid === undefined) await this.lookups.app(app);
    else await this.lookups.process(app, listing.pid);
    const page = await this.timers().listPage(app, listing);
    return { timers: page.timers.map(timerDetails), ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
  }

  /**
   * Cancels a timer: it never fires again (a firing in flight still completes).
   * @throws ApplicationNotFoundError, ProcessNotFoundError, TimerNotFoundError as their names say.
   */
  async cancelTimer(app: string, pid: string, id: string): Promise<void> {
    await this.lookups.process(app, pid);
    validateName('timer id', id);
    if (!(await this.timers().delete(app, pid, id))) throw new TimerNotFoundError(app, pid, id);
  }

  private timers(): TimerStore {
    if (this.store === undefined)
      throw new UnavailableError(
        'this gateway has no timer store: give the control plane one (the NATS backend opens it on its connection)',
      );
    return this.store;
  }
}

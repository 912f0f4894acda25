import { ProcessUnavailableError, type ProcessStatus } from '@praas/framework/internal';

// Typed apart from the freeze: a status missing here, or one that is no ProcessStatus, does not compile.
const TRANSITIONS: Readonly<Record<ProcessStatus, readonly ProcessStatus[]>> = {
  'swapping-in': ['active', 'deleted'],
  active: ['swapping-out', 'deleted'],
  'swapping-out': ['active', 'swapped', 'deleted'],
  swapped: ['deleted'],
  deleted: [],
};
/**
 * The legal transitions of a process's life cycle (DESIGN §6), in one table:
 * swapping-in → active → swapping-out → swapped, back to active when a swap-out fails, and
 * deleted from any state when the process is stopped without a snapshot.
 */
export const LIFE_CYCLE = Object.freeze(TRANSITIONS);

/** A transition the life cycle does not allow: a bug in the runtime, never the user's input. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly pid: string,
    readonly from: ProcessStatus,
    readonly to: ProcessStatus,
  ) {
    super(
      `process '${pid}' cannot go from '${from}' to '${to}': allowed from '${from}' are ${
        LIFE_CYCLE[from].map((s) => `'${s}'`).join(', ') || 'none'
      }`,
    );
    this.name = 'IllegalTransitionError';
  }
}

/**
 * The status of one cloud process, changed only along {@link LIFE_CYCLE}. It also tells when the
 * process's registry record last announced it live: replies of invocations that waited in the
 * backup queue go out only after that, so a caller whose invocation swapped the process in reads
 * it as active.
 */
export class LifeCycle {
  private current: ProcessStatus = 'swapping-in';
  private announcedLive: Promise<void> = Promise.resolve();

  constructor(
    readonly app: string,
    readonly pid: string,
  ) {}

  get status(): ProcessStatus {
    return this.current;
  }

  /** Moves to `next`; throws {@link IllegalTransitionError} when the table does not allow it. */
  to(next: ProcessStatus): void {
    if (!LIFE_CYCLE[this.current].includes(next)) throw new IllegalTransitionError(this.pid, this.current, next);
    this.current = next;
  }

  /** Throws the error a caller of this process gets when it is not in `status` (e.g. not active). */
  expect(status: ProcessStatus): void {
    if (this.current !== status) throw new ProcessUnavailableError(this.app, this.pid, this.current);
  }

  /**
   * Starts going live: {@link announced} waits until the returned function is called (once the
   * registry says the process is active, or the attempt failed).
   */
  goingLive(): () => void {
    let done!: () => void;
    this.announcedLive = new Promise<void>((resolve) => (done = resolve));
    return done;
  }

  /** Settles when the current (or last) going live finished. */
  announced(): Promise<void> {
    return this.announcedLive;
  }
}

/** The timers a {@link CheckpointSchedule} runs on: the real ones, or a test's. */
export interface ScheduleClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: ScheduleClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * When periodic checkpoints start (`checkpointEveryMs`, DESIGN §6). Each starts `every` ms after
 * the previous one started, or at once when the previous one took longer (its upload was slow).
 * So the state a checkpoint captures is never older than `max(every, upload)` when the next
 * capture starts, and a SIGKILL loses at most what was acknowledged in the last
 * `max(every, upload) + upload` ms: `every` plus one upload while uploads are faster than the
 * interval. A fixed-rate timer that skips its ticks while an upload runs loses up to about
 * `2 × every + upload` instead (issue 15, problem 5).
 */
export class CheckpointSchedule {
  private timer: unknown;
  private stopped = true;

  /**
   * @param tick starts a checkpoint and returns its promise (which never rejects: the caller logs
   * failures), or undefined when none is due (nothing changed).
   */
  constructor(
    private readonly every: number,
    private readonly tick: () => Promise<unknown> | undefined,
    private readonly clock: ScheduleClock = REAL_CLOCK,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.after(this.every);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private after(ms: number): void {
    this.timer = this.clock.setTimeout(() => void this.fire(), ms);
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    const startedAt = this.clock.now();
    const running = this.tick();
    if (running) await running;
    if (this.stopped) return;
    this.after(Math.max(0, startedAt + this.every - this.clock.now()));
  }
}

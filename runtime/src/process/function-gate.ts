/** Releases what `acquire` took; safe to call twice. */
export type Release = () => void;

interface Pending {
  readonly exclusive: boolean;
  readonly grant: () => void;
}

/**
 * Admission of function calls: at most `limit` run at once, interleaved at `await`; an exclusive
 * call runs alone. Waiting calls are admitted in arrival order, so an exclusive call is not starved.
 */
export class FunctionGate {
  private running = 0;
  private exclusiveRunning = false;
  private readonly pending: Pending[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.pending.length;
  }

  acquire(exclusive: boolean): Promise<Release> {
    return new Promise<Release>((resolve) => {
      this.pending.push({ exclusive, grant: () => resolve(this.releaser(exclusive)) });
      this.admit();
    });
  }

  /** Resolves once no call runs and none waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private releaser(exclusive: boolean): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      if (exclusive) this.exclusiveRunning = false;
      this.admit();
      if (this.running === 0 && this.pending.length === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
    };
  }

  private admit(): void {
    while (this.pending.length > 0 && !this.exclusiveRunning) {
      const next = this.pending[0]!;
      if (next.exclusive ? this.running > 0 : this.running >= this.limit) return;
      this.pending.shift();
      this.running++;
      if (next.exclusive) this.exclusiveRunning = true;
      next.grant();
    }
  }
}

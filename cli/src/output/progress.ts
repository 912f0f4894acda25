/**
 * Step-by-step progress of a long command (`build`, `deploy`), for a person watching: each step's
 * start and how long it took, then the total. It goes to standard error, so standard output stays
 * the command's result; `--quiet` passes no writer and nothing is printed.
 * @example
 * ```ts
 * const progress = new Progress('build', err);
 * const compiled = await progress.step('compile', () => runTsc(...));
 * progress.done();
 * ```
 */
export class Progress {
  private readonly started = performance.now();
  private steps = 0;

  constructor(
    private readonly command: string,
    private readonly write: ((line: string) => void) | undefined,
  ) {}

  /** Runs one step, printing its name before and its duration after (or that it failed, and when). */
  async step<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    const n = ++this.steps;
    this.write?.(`${this.command} [${n}] ${name} ...`);
    const t0 = performance.now();
    try {
      const result = await work();
      this.write?.(`${this.command} [${n}] ${name}: ${seconds(performance.now() - t0)}`);
      return result;
    } catch (e) {
      this.write?.(`${this.command} [${n}] ${name}: failed after ${seconds(performance.now() - t0)}`);
      throw e;
    }
  }

  /** Prints the total time of the command. */
  done(): void {
    this.write?.(`${this.command}: done in ${seconds(performance.now() - this.started)}`);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

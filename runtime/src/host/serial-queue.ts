/** Continues a chain after a task settled, whatever its outcome: the outcome belongs to the task's caller. */
const settled = (): void => undefined;

/**
 * Runs tasks one after another, each once the one before it settled, in the order they were
 * given. A task's failure goes to the caller of `run` that gave it, and does not hold up the next.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.then(settled, settled);
    return run;
  }
}

/**
 * One {@link SerialQueue} per key (e.g. per pid: life-cycle operations on one process run one after
 * another, those on different processes side by side). A key's queue is forgotten once it is idle,
 * so the map holds only keys with work in hand.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.then(settled, settled);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Keys with a task queued or running. */
  get busyKeys(): number {
    return this.tails.size;
  }
}

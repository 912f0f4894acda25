import { ANY, Fn, Process, State, type Context } from '@praas/framework';

/** A class-typed piece of state: it comes back from a swap with its prototype and methods. */
export class History {
  entries: number[] = [];
  startedAt = new Date();

  record(amount: number): void {
    this.entries.push(amount);
  }

  last(): number | undefined {
    return this.entries[this.entries.length - 1];
  }
}

export interface CounterReport {
  total: number;
  additions: number;
  lastAddition: number | undefined;
  startedAt: Date;
  lastCaller: string | undefined;
}

/** Keeps a running total; collects 'tick' messages from its mailbox on request. */
@Process({ maxConcurrency: 8 })
export class Counter {
  @State() total = 0;
  @State(() => History) history = new History();

  @Fn()
  add(amount: number, ctx: Context): number {
    if (typeof amount !== 'number' || !Number.isFinite(amount))
      throw new TypeError(`add expects a number, got ${JSON.stringify(amount)}`);
    this.total += amount;
    this.history.record(amount);
    ctx.state.set('lastCaller', ctx.fn);
    return this.total;
  }

  /** Takes `count` 'tick' messages from any sender, oldest first, and returns their sum. */
  @Fn()
  async collect(count: number, ctx: Context): Promise<number> {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const tick = await ctx.recv<number>(ANY, 'tick', { timeoutMs: 5_000 });
      sum += tick.data;
    }
    return sum;
  }

  @Fn()
  report(_: unknown, ctx: Context): CounterReport {
    return {
      total: this.total,
      additions: this.history.entries.length,
      lastAddition: this.history.last(),
      startedAt: this.history.startedAt,
      lastCaller: ctx.state.get<string>('lastCaller'),
    };
  }
}

import { ANY, batch, Fn, multiSource, Process, SELF, State, type Context, type Part } from '@praas/framework/internal';

/** What one call of a trigger function saw. */
export interface TriggerCall {
  fn: string;
  keys: string[];
  values: string[];
  sources: string[];
}

@Process({ name: 'Reducer' })
export class Reducer {
  @State() calls: TriggerCall[] = [];

  private record(fn: string, parts: Part<string>[]): string[] {
    this.calls.push({
      fn,
      keys: parts.map((p) => p.key),
      values: parts.map((p) => p.data),
      sources: parts.map((p) => p.source),
    });
    return parts.map((p) => p.data);
  }
  @Fn({ trigger: multiSource({ count: 3 }) }) gather(parts: Part<string>[]): string[] {
    return this.record('gather', parts);
  }
  @Fn({ trigger: multiSource({ count: 3, maxWaitMs: 80 }) }) gatherSoon(parts: Part<string>[]): string[] {
    return this.record('gatherSoon', parts);
  }
  @Fn({ trigger: batch({ size: 4 }) }) flush(parts: Part<string>[]): string[] {
    return this.record('flush', parts);
  }
  @Fn({ trigger: batch({ size: 100, maxWaitMs: 60 }) }) flushSoon(parts: Part<string>[]): string[] {
    return this.record('flushSoon', parts);
  }
  @Fn({ trigger: batch({ size: 5, maxWaitMs: 100 }) }) flushFive(parts: Part<string>[]): string[] {
    return this.record('flushFive', parts);
  }
  @Fn({ trigger: multiSource({ count: 2 }) }) failing(parts: Part<string>[]): never {
    this.record('failing', parts);
    throw new Error(`reduce of ${parts.length} parts failed`);
  }
  @Fn() history(): TriggerCall[] {
    return this.calls;
  }
  /** Runs until a message with `key` arrives: a call that keeps a swap-out from finishing. */
  @Fn() async hold(key: string, ctx: Context): Promise<unknown> {
    return (await ctx.recv(ANY, key)).data;
  }
  @Fn() async viaSelf(a: { key: string; value: string }, ctx: Context): Promise<string[]> {
    return ctx.invoke<string[]>(SELF, 'gather', a.value, { key: a.key });
  }
}

@Process({ name: 'Feeder' })
export class Feeder {
  @Fn() async feed(a: { to: string; fn: string; key: string; values: string[] }, ctx: Context): Promise<void> {
    for (const v of a.values) await ctx.send(a.to, a.key, v, { fn: a.fn });
  }
  @Fn() async call(a: { to: string; fn: string; key?: string; value: string }, ctx: Context): Promise<unknown> {
    return ctx.invoke(a.to, a.fn, a.value, a.key === undefined ? {} : { key: a.key });
  }
}

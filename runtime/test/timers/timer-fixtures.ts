import { Fn, multiSource, Process, schedule, State, type Context, type Part } from '@praas/framework/internal';

/** One call of a timer function, as the test process class records it. */
export interface Firing {
  readonly pid: string;
  readonly fn: string;
  readonly data: unknown;
  readonly timer?: { id: string; attempt: number; scheduledAt: number };
}

/** Every firing of every {@link Alarms} process of this Node process, in order. */
export const firings: Firing[] = [];
/** Per `fails` key: how many more firings of `flaky` throw. */
export const failures = new Map<string, number>();

@Process({ name: 'alarms', durability: 'call' })
export class Alarms {
  @State() fired = 0;

  @Fn() async plan(a: { fn: string; data?: unknown; options: object }, ctx: Context): Promise<string> {
    return ctx.schedule(a.fn, a.data, a.options as Parameters<Context['schedule']>[2]);
  }
  @Fn() cancel(id: string, ctx: Context): Promise<boolean> {
    return ctx.cancel(id);
  }
  @Fn() list(_: unknown, ctx: Context): ReturnType<Context['timers']> {
    return ctx.timers();
  }
  @Fn() ring(data: unknown, ctx: Context): number {
    firings.push({ pid: ctx.self, fn: ctx.fn, data, ...(ctx.timer ? { timer: { ...ctx.timer } } : {}) });
    return ++this.fired;
  }
  @Fn() flaky(key: string, ctx: Context): void {
    firings.push({ pid: ctx.self, fn: ctx.fn, data: key, ...(ctx.timer ? { timer: { ...ctx.timer } } : {}) });
    const left = failures.get(key) ?? 0;
    if (left > 0) {
      failures.set(key, left - 1);
      throw new Error(`flaky fails ${left} more time(s)`);
    }
  }
  @Fn() count(): number {
    return this.fired;
  }
  @Fn({ trigger: multiSource({ count: 2 }) }) gather(parts: Part[]): number {
    return parts.length;
  }
}

@Process({ name: 'ticker' })
export class Ticker {
  @Fn({ trigger: schedule({ every: '200ms' }) }) tick(data: unknown, ctx: Context): void {
    firings.push({ pid: ctx.self, fn: ctx.fn, data, ...(ctx.timer ? { timer: { ...ctx.timer } } : {}) });
  }
}

/** Resolves once `check` holds, polling; rejects naming `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

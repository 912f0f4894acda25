import { Fn, Process, State, type Context } from '@praas/framework';

export interface TickRequest {
  to: string;
  values: number[];
}

/** Talks to a Counter: through its mailbox (send) and by calling its functions (invoke). */
@Process()
export class Reporter {
  @State() sent = 0;

  @Fn()
  async tick(request: TickRequest, ctx: Context): Promise<number> {
    for (const value of request.values) await ctx.send(request.to, 'tick', value);
    this.sent += request.values.length;
    return this.sent;
  }

  @Fn()
  async addTo(request: { to: string; amount: number }, ctx: Context): Promise<number> {
    return ctx.invoke<number>(request.to, 'add', request.amount);
  }
}

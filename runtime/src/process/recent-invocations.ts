import type { ReplyEnvelope } from '@praas/framework/internal';

/** Options of {@link RecentInvocations}. */
export interface RecentInvocationsOptions {
  /** Finished invocations remembered, at most (default 1024). */
  readonly maxEntries?: number;
  /** Bytes of remembered results, at most (default 8 MiB); a larger result is not remembered. */
  readonly maxBytes?: number;
}

/**
 * The invocations a process is running or has just answered, by id (DESIGN §5a). A sender whose
 * direct connection broke does not know whether its invocation arrived, and sends it again over
 * NATS with the same id: that retry joins the running call, or gets the reply it already had,
 * instead of running the function a second time. Finished replies are kept within a bound of
 * entries and bytes; an invocation retried after it fell out runs again.
 */
export class RecentInvocations {
  private readonly running = new Map<string, Promise<ReplyEnvelope>>();
  private readonly finished = new Map<string, { reply: ReplyEnvelope; size: number }>();
  private finishedBytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(options: RecentInvocationsOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1024;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  }

  /** The reply of the invocation with this id when it runs or ran recently. */
  get(id: string): Promise<ReplyEnvelope> | undefined {
    const done = this.finished.get(id);
    return done ? Promise.resolve(done.reply) : this.running.get(id);
  }

  /**
   * Tracks a running invocation; its reply is remembered once it settles. With `retryFailure` (a
   * timer's firing, which is delivered again until it succeeds), a failed reply is not remembered:
   * the next delivery runs the function again.
   */
  track(id: string, reply: Promise<ReplyEnvelope>, options: { retryFailure?: boolean } = {}): Promise<ReplyEnvelope> {
    this.running.set(id, reply);
    void reply.then((r) => {
      this.running.delete(id);
      if (r.ok || options.retryFailure !== true) this.remember(id, r);
    });
    return reply;
  }

  private remember(id: string, reply: ReplyEnvelope): void {
    const size = (reply.ok ? (reply.data?.length ?? 0) : reply.error.message.length) + 64;
    if (size > this.maxBytes) return;
    this.finished.set(id, { reply, size });
    this.finishedBytes += size;
    for (const [oldest, entry] of this.finished) {
      if (this.finished.size <= this.maxEntries && this.finishedBytes <= this.maxBytes) break;
      this.finished.delete(oldest);
      this.finishedBytes -= entry.size;
    }
  }
}

import { ANY, SELF, TimeoutError, type Source, type TraceCarrier } from '@praas/framework/internal';

/** A message held in a mailbox; `data` stays encoded until a function takes it. */
export interface StoredMessage {
  readonly id: string;
  readonly from: string;
  readonly key: string;
  readonly data: Uint8Array;
  /** The sender's trace context: the recv of the message links the send. */
  readonly trace?: TraceCarrier;
}

/** Mailbox contents that a snapshot carries. */
export interface MailboxSnapshot {
  readonly messages: StoredMessage[];
  readonly seenIds: string[];
}

interface Waiter {
  readonly from: string | typeof ANY;
  readonly key: string;
  readonly resolve: (message: StoredMessage) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/** How many message ids are remembered for deduplication of retried sends. */
export const DEDUP_WINDOW = 10_000;

/**
 * A process's mailbox (PraaS §4): messages are named by key; `take` returns the oldest message that
 * matches a source and key, or waits for one. Messages from one sender keep their arrival order,
 * which the controller makes equal to the sender's order. Ids seen before are dropped.
 */
export class Mailbox {
  private readonly messages: StoredMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly seen = new Set<string>();
  /**
   * The remembered ids in arrival order, as a ring: evicting the oldest is O(1). (Deleting a Set's
   * first entry and finding the next one walks over every entry deleted before, which made each
   * message cost more the longer a mailbox had been busy.)
   */
  private readonly order: string[] = [];
  private oldest = 0;

  constructor(private readonly self: string) {}

  get size(): number {
    return this.messages.length;
  }

  /** True when a message with this id was already accepted (within the deduplication window). */
  hasSeen(id: string): boolean {
    return this.seen.has(id);
  }

  /** Records an id that went elsewhere (to a function); false when it was seen before. */
  markSeen(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.remember(id);
    return true;
  }

  /** Accepts a message; returns false when its id was seen before and it was dropped. */
  put(message: StoredMessage): boolean {
    if (this.seen.has(message.id)) return false;
    this.remember(message.id);
    const i = this.waiters.findIndex((w) => this.matches(w, message));
    if (i >= 0) {
      const [waiter] = this.waiters.splice(i, 1);
      clearTimeout(waiter!.timer);
      waiter!.resolve(message);
    } else {
      this.messages.push(message);
    }
    return true;
  }

  /** Takes the oldest message from `source` with `key`, waiting up to `timeoutMs` (forever when absent). */
  take(source: Source, key: string, timeoutMs?: number): Promise<StoredMessage> {
    const from = source === SELF ? this.self : source;
    const probe = { from, key } as Pick<Waiter, 'from' | 'key'>;
    const i = this.messages.findIndex((m) => this.matches(probe, m));
    if (i >= 0) return Promise.resolve(this.messages.splice(i, 1)[0]!);
    return new Promise<StoredMessage>((resolve, reject) => {
      const waiter: Waiter = { from, key, resolve, reject };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          const who = from === ANY ? 'any sender' : `'${from}'`;
          reject(
            new TimeoutError(`recv on '${this.self}' got no message '${key}' from ${who} within ${timeoutMs} ms`, {
              pid: this.self,
              key,
              timeoutMs,
            }),
          );
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Fails every waiting `take` (the process is going away). */
  rejectWaiters(error: Error): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  get waiting(): number {
    return this.waiters.length;
  }

  snapshot(): MailboxSnapshot {
    return {
      messages: [...this.messages],
      seenIds: [...this.order.slice(this.oldest), ...this.order.slice(0, this.oldest)],
    };
  }

  restore(snapshot: MailboxSnapshot): void {
    for (const id of snapshot.seenIds) this.remember(id);
    this.messages.push(...snapshot.messages);
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.order.length < DEDUP_WINDOW) {
      this.order.push(id);
      return;
    }
    this.seen.delete(this.order[this.oldest]!);
    this.order[this.oldest] = id;
    this.oldest = (this.oldest + 1) % DEDUP_WINDOW;
  }

  private matches(w: Pick<Waiter, 'from' | 'key'>, m: StoredMessage): boolean {
    return w.key === m.key && (w.from === ANY || w.from === m.from);
  }
}

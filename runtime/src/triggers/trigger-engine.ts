import type { FunctionDefinition, ReplyEnvelope } from '@praas/framework';

/** Receives the reply of a call. */
export type ReplySink = (reply: ReplyEnvelope) => void;

/** One message contributing to a multi-source or batch trigger. */
export interface Contribution {
  readonly id: string;
  readonly source: string;
  readonly key: string;
  readonly data: Uint8Array;
  /** Where to publish the result: an invocation that waited in the backup queue. Survives a swap. */
  readonly replyTo?: string;
}

/** A caller waiting on this process for the result (a live invocation); cannot survive a swap. */
interface LiveWaiter {
  readonly sink: ReplySink;
  /** After this time (ms since epoch) the caller has given up. */
  readonly deadline: number;
}

interface Part extends Contribution {
  readonly waiters: LiveWaiter[];
}

interface Accumulation {
  readonly fn: string;
  readonly key: string | undefined;
  readonly firstAt: number;
  readonly parts: Part[];
  timer?: NodeJS.Timeout;
}

/** An accumulation as a snapshot carries it. */
export interface PersistedAccumulation {
  readonly fn: string;
  readonly key?: string;
  readonly firstAt: number;
  readonly parts: Contribution[];
}

/** Starts the call for a completed accumulation; `reply` reaches every contributor that waits. */
export type Fire = (fn: FunctionDefinition, parts: readonly Contribution[], reply: ReplySink) => void;

/**
 * Accumulates trigger messages per function (DESIGN §2): a multi-source function fires when
 * `count` messages with the same invocation key arrived, a batch function when `size` messages of
 * any key arrived; either fires with what it has `maxWaitMs` after the first one. Accumulations are
 * process state: `snapshot` and `restore` carry them across a swap. While frozen (a swap-out is
 * being written), nothing fires; completed or overdue accumulations fire when it thaws.
 */
export class TriggerEngine {
  private readonly pending = new Map<string, Accumulation>();
  private readonly byId = new Map<string, Part>();
  private frozen = false;

  constructor(
    private readonly functions: ReadonlyMap<string, FunctionDefinition>,
    private readonly fire: Fire,
    private readonly publish: (replyTo: string, reply: ReplyEnvelope) => void,
  ) {}

  /** True when a contribution with this id waits in an accumulation. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * Adds a contribution. A live caller passes its `sink` and how long it waits; a retried
   * contribution with an id that already waits only adds its caller.
   */
  contribute(fn: FunctionDefinition, contribution: Contribution, live?: { sink: ReplySink; timeoutMs: number }): void {
    const waiter = live ? { sink: live.sink, deadline: Date.now() + live.timeoutMs } : undefined;
    const existing = this.byId.get(contribution.id);
    if (existing) {
      if (waiter) existing.waiters.push(waiter);
      return;
    }
    const key = fn.trigger.kind === 'multiSource' ? contribution.key : undefined;
    const accKey = key === undefined ? fn.name : `${fn.name}\u0000${key}`;
    let acc = this.pending.get(accKey);
    if (!acc) {
      acc = { fn: fn.name, key, firstAt: Date.now(), parts: [] };
      this.pending.set(accKey, acc);
      this.arm(accKey, acc);
    }
    const part: Part = { ...contribution, waiters: waiter ? [waiter] : [] };
    acc.parts.push(part);
    this.byId.set(part.id, part);
    if (acc.parts.length >= this.needed(acc.fn)) this.complete(accKey);
  }

  /** Callers that wait for a result right now (their deadline has not passed). */
  liveWaiters(now = Date.now()): number {
    let n = 0;
    for (const part of this.byId.values()) {
      for (let i = part.waiters.length - 1; i >= 0; i--) {
        if (part.waiters[i]!.deadline <= now) part.waiters.splice(i, 1);
        else n++;
      }
    }
    return n;
  }

  /** Messages waiting in accumulations. */
  get size(): number {
    return this.byId.size;
  }

  /** Stops firing (timers included) until `thaw`. */
  freeze(): void {
    this.frozen = true;
    for (const acc of this.pending.values()) clearTimeout(acc.timer);
  }

  /** Resumes: fires what completed or ran out of time meanwhile, and re-arms the other timers. */
  thaw(): void {
    this.frozen = false;
    for (const [accKey, acc] of [...this.pending]) {
      if (acc.parts.length >= this.needed(acc.fn)) this.complete(accKey);
      else this.arm(accKey, acc);
    }
  }

  /** Drops everything: the process is deleted. Live callers get `reply`. */
  dispose(reply: ReplyEnvelope): void {
    this.freeze();
    for (const part of this.byId.values()) for (const w of part.waiters) w.sink(reply);
    this.pending.clear();
    this.byId.clear();
  }

  snapshot(): PersistedAccumulation[] {
    return [...this.pending.values()].map((acc) => ({
      fn: acc.fn,
      ...(acc.key === undefined ? {} : { key: acc.key }),
      firstAt: acc.firstAt,
      parts: acc.parts.map(({ id, source, key, data, replyTo }) => ({
        id,
        source,
        key,
        data,
        ...(replyTo === undefined ? {} : { replyTo }),
      })),
    }));
  }

  /** Restores accumulations (frozen: call `thaw` once the process takes traffic). */
  restore(accumulations: readonly PersistedAccumulation[]): void {
    this.frozen = true;
    for (const a of accumulations) {
      if (!this.functions.has(a.fn)) continue; // The function no longer exists in this version.
      const accKey = a.key === undefined ? a.fn : `${a.fn}\u0000${a.key}`;
      const parts = a.parts.map((p) => ({ ...p, waiters: [] as LiveWaiter[] }));
      this.pending.set(accKey, { fn: a.fn, key: a.key, firstAt: a.firstAt, parts });
      for (const p of parts) this.byId.set(p.id, p);
    }
  }

  private needed(fnName: string): number {
    const trigger = this.functions.get(fnName)?.trigger;
    if (trigger?.kind === 'multiSource') return trigger.count;
    if (trigger?.kind === 'batch') return trigger.size;
    return 1;
  }

  private arm(accKey: string, acc: Accumulation): void {
    if (this.frozen) return;
    const trigger = this.functions.get(acc.fn)?.trigger;
    const maxWaitMs = trigger && trigger.kind !== 'standard' ? trigger.maxWaitMs : undefined;
    if (maxWaitMs === undefined) return;
    clearTimeout(acc.timer);
    acc.timer = setTimeout(() => this.complete(accKey), Math.max(0, acc.firstAt + maxWaitMs - Date.now()));
  }

  private complete(accKey: string): void {
    if (this.frozen) return;
    const acc = this.pending.get(accKey);
    const fn = acc && this.functions.get(acc.fn);
    if (!acc || !fn) return;
    this.pending.delete(accKey);
    clearTimeout(acc.timer);
    for (const p of acc.parts) this.byId.delete(p.id);
    const parts = acc.parts;
    this.fire(fn, parts, (reply) => {
      for (const p of parts) {
        for (const w of p.waiters) w.sink(reply);
        if (p.replyTo !== undefined) this.publish(p.replyTo, reply);
      }
    });
  }
}

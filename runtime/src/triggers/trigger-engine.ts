import type { FunctionDefinition, ReplyEnvelope } from '@praas/framework/internal';

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
 * any key arrived; either fires with what it has `maxWaitMs` after the first one. A call never gets
 * more than `count` / `size` messages: the next one opens the next accumulation. Accumulations are
 * process state: `snapshot` and `restore` carry them across a swap. While frozen (a swap-out is
 * being written, or a swap-in drains its backlog), nothing fires: accumulations that fill up are
 * closed and wait, in order, and fire when it thaws, together with those whose time ran out.
 */
export class TriggerEngine {
  /** The open accumulation per function (and key, for multi-source). */
  private readonly pending = new Map<string, Accumulation>();
  /** Accumulations that completed while frozen, in completion order; fired by `thaw`. */
  private readonly ready: Accumulation[] = [];
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
    const part: Part = { ...contribution, waiters: waiter ? [waiter] : [] };
    this.add(fn.name, key, Date.now(), part);
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

  /**
   * Resumes: fires, in order, what completed while frozen, then what ran out of time meanwhile,
   * and re-arms the other timers.
   */
  thaw(): void {
    this.frozen = false;
    for (const acc of this.ready.splice(0)) this.start(acc);
    const now = Date.now();
    for (const [accKey, acc] of [...this.pending]) {
      const maxWaitMs = this.maxWaitMs(acc.fn);
      if (maxWaitMs !== undefined && acc.firstAt + maxWaitMs <= now) this.complete(accKey);
      else this.arm(accKey, acc);
    }
  }

  /** Drops everything: the process is deleted. Live callers get `reply`. */
  dispose(reply: ReplyEnvelope): void {
    this.freeze();
    for (const part of this.byId.values()) for (const w of part.waiters) w.sink(reply);
    this.pending.clear();
    this.ready.length = 0;
    this.byId.clear();
  }

  /** Every accumulation, closed ones first, in the order they fire. */
  snapshot(): PersistedAccumulation[] {
    return [...this.ready, ...this.pending.values()].map((acc) => ({
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

  /**
   * Restores accumulations (frozen: call `thaw` once the process takes traffic). Parts are added
   * again one by one, so an accumulation larger than its function now allows (a new version with a
   * smaller `size` or `count`) is split into full calls in order, never handed over whole.
   */
  restore(accumulations: readonly PersistedAccumulation[]): void {
    this.frozen = true;
    for (const a of accumulations) {
      if (!this.functions.has(a.fn)) continue; // The function no longer exists in this version.
      for (const p of a.parts) {
        if (this.byId.has(p.id)) continue;
        this.add(a.fn, a.key, a.firstAt, { ...p, waiters: [] });
      }
    }
  }

  /** Adds a part to the open accumulation of its function and key, opening one when there is none. */
  private add(fnName: string, key: string | undefined, firstAt: number, part: Part): void {
    const accKey = key === undefined ? fnName : `${fnName}\u0000${key}`;
    let acc = this.pending.get(accKey);
    if (!acc) {
      acc = { fn: fnName, key, firstAt, parts: [] };
      this.pending.set(accKey, acc);
      this.arm(accKey, acc);
    }
    acc.parts.push(part);
    this.byId.set(part.id, part);
    if (acc.parts.length >= this.needed(fnName)) this.complete(accKey);
  }

  private needed(fnName: string): number {
    const trigger = this.functions.get(fnName)?.trigger;
    if (trigger?.kind === 'multiSource') return trigger.count;
    if (trigger?.kind === 'batch') return trigger.size;
    return 1;
  }

  private maxWaitMs(fnName: string): number | undefined {
    const trigger = this.functions.get(fnName)?.trigger;
    return trigger?.kind === 'multiSource' || trigger?.kind === 'batch' ? trigger.maxWaitMs : undefined;
  }

  private arm(accKey: string, acc: Accumulation): void {
    if (this.frozen) return;
    const maxWaitMs = this.maxWaitMs(acc.fn);
    if (maxWaitMs === undefined) return;
    clearTimeout(acc.timer);
    acc.timer = setTimeout(() => this.complete(accKey), Math.max(0, acc.firstAt + maxWaitMs - Date.now()));
  }

  /**
   * Closes the open accumulation of `accKey`: the next contribution opens a new one. Fires it, or
   * while frozen keeps it for `thaw`.
   */
  private complete(accKey: string): void {
    const acc = this.pending.get(accKey);
    if (!acc) return;
    this.pending.delete(accKey);
    clearTimeout(acc.timer);
    if (this.frozen) this.ready.push(acc);
    else this.start(acc);
  }

  private start(acc: Accumulation): void {
    const fn = this.functions.get(acc.fn);
    for (const p of acc.parts) this.byId.delete(p.id);
    if (!fn) return; // Not reached: only functions of this definition are accumulated (see `restore`).
    const parts = acc.parts;
    this.fire(fn, parts, (reply) => {
      for (const p of parts) {
        for (const w of p.waiters) w.sink(reply);
        if (p.replyTo !== undefined) this.publish(p.replyTo, reply);
      }
    });
  }
}

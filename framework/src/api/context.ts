import type { Schedule, ScheduleSpec } from '../timers/schedule';

/** Addresses the calling process itself, in `send`, `recv` and `invoke`. */
export const SELF: unique symbol = Symbol.for('praas.SELF');
/** Matches a message from any sender, in `recv`. */
export const ANY: unique symbol = Symbol.for('praas.ANY');

export type Self = typeof SELF;
export type Any = typeof ANY;

/** A destination: a pid of the same application, or SELF. */
export type Destination = string | Self;
/** A source to receive from: a pid, SELF, or ANY. */
export type Source = string | Self | Any;

/** Life-cycle states of a cloud process. */
export type ProcessStatus = 'active' | 'swapping-out' | 'swapped' | 'swapping-in' | 'deleted';

/** One message handed to a multi-source or batch function, or returned by `recv`. */
export interface Part<T = unknown> {
  /** Pid of the sender (or `client:<id>` for messages from outside the application). */
  readonly source: string;
  /** The message or invocation key. */
  readonly key: string;
  readonly data: T;
}

/** A process of the same application, as the registry knows it. */
export interface PeerInfo {
  readonly pid: string;
  readonly processClass: string;
  readonly status: ProcessStatus;
}

/** One page of the application's processes, for `ctx.peerPage`. */
export interface PeerPage {
  readonly peers: PeerInfo[];
  /** Give it back as `cursor` for the next page; absent on the last page. */
  readonly cursor?: string;
}

/** Which page `ctx.peerPage` reads: as the control plane's `listProcessPage` takes it. */
export interface PeerPageQuery {
  /** At most this many (1 to 1,000; default 100). */
  readonly limit?: number;
  readonly cursor?: string;
  readonly status?: ProcessStatus;
  readonly processClass?: string;
}

export interface PeerEvent {
  readonly type: 'created' | 'updated' | 'deleted';
  readonly peer: PeerInfo;
}

/** Dynamic keyed state, swapped out and in with the `@State` fields. */
export interface StateMap {
  get<T = unknown>(key: string): T | undefined;
  /** Stores `value`; throws EncodeError naming the key when the value cannot be swapped. */
  set(key: string, value: unknown): void;
  delete(key: string): boolean;
  has(key: string): boolean;
  keys(): string[];
}

export interface RecvOptions {
  /** Reject with TimeoutError after this many milliseconds; waits indefinitely when absent. */
  timeoutMs?: number;
}

export interface SendOptions {
  /** Sender-generated id: a retried send with the same id lands once. Generated when absent. */
  id?: string;
  /**
   * Address the message to a function of `dest` instead of its mailbox: it starts one call of a
   * standard function (whose result nobody waits for), or contributes to a multi-source or batch
   * trigger, with the message key as the invocation key.
   */
  fn?: string;
}

export interface InvokeOptions {
  /** Invocation key, used by multi-source triggers to group contributions (e.g. an epoch). */
  key?: string | number;
  /** Reject with TimeoutError after this many milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Sender-generated id for deduplication of retried invocations. */
  id?: string;
}

export type Unsubscribe = () => void;

/**
 * When `ctx.schedule` fires: exactly one of `at` (a Date or ISO string), `afterMs`, `every`
 * (`'30s'`, `'5m'`, or ms) or `cron` (5 fields, in `tz`, default UTC); `key` makes it idempotent
 * (the same key replaces the earlier timer); `catchUp: 'skip'` drops firings missed while
 * everything was down instead of firing once on recovery.
 */
export type ScheduleOptions = ScheduleSpec;

/** A timer of the process, as `ctx.timers()` lists it (without its payload). */
export interface TimerInfo {
  readonly id: string;
  /** The function it invokes. */
  readonly fn: string;
  readonly schedule: Schedule;
  /** When it is next due (epoch ms); a failed firing's retry time while it is retried. */
  readonly dueAt: number;
  readonly key?: string;
  /** Failed or running firings of the current due time (0 before the first). */
  readonly attempt: number;
}

/** Which firing of a timer the current call is (`ctx.timer`). */
export interface TimerFiring {
  readonly id: string;
  /** 1 for the first delivery of this due time, then one more per retry. */
  readonly attempt: number;
  /** The time the firing was scheduled for (epoch ms), also when it is late or retried. */
  readonly scheduledAt: number;
}

/**
 * The process API handed to every function as its last argument (PraaS Listing 1).
 * All calls are safe to use concurrently from several running functions of the same process.
 */
export interface Context {
  /** This process's pid. */
  readonly self: string;
  /** The application's name. */
  readonly app: string;
  /** Name of the function being run. */
  readonly fn: string;
  /** Keyed state, swapped with the fields. */
  readonly state: StateMap;
  /**
   * Aborts when the call passes its timeout (the function's `timeoutMs` or its caller's) and is
   * abandoned: the caller has its TimeoutError, and from then on this context refuses sends,
   * invocations, receives and state writes. Pass it to `fetch` and the like, or check
   * `signal.aborted` in long loops, to stop early.
   */
  readonly signal: AbortSignal;
  /** Put a named message into `dest`'s mailbox; resolves once the system accepted it. */
  send(dest: Destination, key: string | number, data: unknown, options?: SendOptions): Promise<void>;
  /** Take the oldest message from `source` with `key`; waits until one arrives. */
  recv<T = unknown>(source: Source, key: string | number, options?: RecvOptions): Promise<Part<T>>;
  /** Call function `fn` of `dest` (pid or SELF) and await its result. */
  invoke<R = unknown>(dest: Destination, fn: string, data?: unknown, options?: InvokeOptions): Promise<R>;
  /**
   * The application's processes, active and swapped, all at once: it reads every process record of
   * the application, O(processes) (at 100,000 processes, seconds and tens of MB). For a large
   * application use `peerPage`, or `watchPeers` to keep a view up to date.
   */
  peers(): Promise<PeerInfo[]>;
  /**
   * One page of the application's processes (default 100), optionally only those in a status or
   * of a class; `cursor` from the previous page gives the next. Costs O(page), whatever the size of
   * the application. With a filter a page may be short, even empty, while `cursor` says there is more.
   */
  peerPage(query?: PeerPageQuery): Promise<PeerPage>;
  /**
   * Listen for peers being created, swapped or deleted, from now on (nothing of the present is read,
   * so it costs the same whatever the size of the application); stops at the returned function or
   * at swap-out. A `deleted` event of a peer not seen since the watch started may carry only its
   * pid (`processClass` empty).
   */
  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe;
  /**
   * Schedules a durable timer: at its time, function `fn` of this process is invoked with `data`,
   * like any invocation (the process is swapped in, on any host, when it is out). A firing whose
   * function throws is retried with backoff (`ctx.timer.attempt` counts) until it succeeds; a
   * successful firing counts once. Resolves with the timer's id (its `key` when given).
   * @example
   * ```ts
   * await ctx.schedule('expire', { order }, { afterMs: 15 * 60_000, key: `expire-${order}` });
   * await ctx.schedule('report', undefined, { cron: '0 3 * * *', tz: 'Europe/Berlin' });
   * ```
   * @throws InvalidArgumentError naming what is wrong with the function, data or schedule.
   */
  schedule(fn: string, data: unknown, options: ScheduleOptions): Promise<string>;
  /** Cancels a timer of this process; false when there was none with this id. */
  cancel(id: string): Promise<boolean>;
  /** This process's timers (declared schedules included), in no particular order. */
  timers(): Promise<TimerInfo[]>;
  /** Set when this call is a timer's firing; undefined for every other call. */
  readonly timer?: TimerFiring;
}

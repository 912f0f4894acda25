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
  /** Put a named message into `dest`'s mailbox; resolves once the system accepted it. */
  send(dest: Destination, key: string | number, data: unknown, options?: SendOptions): Promise<void>;
  /** Take the oldest message from `source` with `key`; waits until one arrives. */
  recv<T = unknown>(source: Source, key: string | number, options?: RecvOptions): Promise<Part<T>>;
  /** Call function `fn` of `dest` (pid or SELF) and await its result. */
  invoke<R = unknown>(dest: Destination, fn: string, data?: unknown, options?: InvokeOptions): Promise<R>;
  /** The application's processes, active and swapped. */
  peers(): Promise<PeerInfo[]>;
  /** Listen for peers being created, swapped or deleted; stops at the returned function or at swap-out. */
  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe;
}

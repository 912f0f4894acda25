/** Handles one request and returns the reply bytes. A thrown error is the transport's failure, not an answer. */
export type RequestHandler = (data: Uint8Array) => Promise<Uint8Array>;

export interface Subscription {
  /** Stops delivery; requests already being handled finish. */
  unsubscribe(): Promise<void>;
}

export interface ServeOptions {
  /** Requests on the subject are spread over the members of one queue group. */
  queue?: string;
}

export interface RequestOptions {
  timeoutMs: number;
}

/** One message waiting in a process's backup queue. */
export interface BackupEntry {
  /** Position in the queue; increases with every append. */
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * Durable per-process queue for traffic that arrives while the process is swapped out
 * (DESIGN §5). Appends are acknowledged only once durable; an id seen before is dropped.
 */
export interface BackupQueue {
  append(app: string, pid: string, id: string, data: Uint8Array): Promise<void>;
  /** Entries after `afterSeq`, oldest first, at most `max`. */
  read(app: string, pid: string, afterSeq: number, max: number): Promise<BackupEntry[]>;
  /** Removes the entries up to and including `uptoSeq` (they are safe in a committed snapshot). */
  trim(app: string, pid: string, uptoSeq: number): Promise<void>;
  /** Removes the whole queue (the process is deleted). */
  purge(app: string, pid: string): Promise<void>;
  /** Calls `onAppend` after each append, so an active process can pick up late arrivals. */
  watch(app: string, pid: string, onAppend: () => void): Promise<Subscription>;
  /**
   * Makes sure the application's queues can take appends (on NATS: creates its stream). The
   * gateway calls it before it places a process; a queue that needs nothing of the kind omits it.
   */
  prepare?(app: string): Promise<void>;
}

/**
 * The data plane: request/reply on subjects plus the backup queue. Two implementations:
 * in memory (embedded mode, unit tests) and NATS; both pass the same contract suite.
 */
export interface Transport {
  readonly backup: BackupQueue;
  serve(subject: string, handler: RequestHandler, options?: ServeOptions): Promise<Subscription>;
  /** @throws NoRespondersError when nobody serves the subject; TimeoutError when no reply came in time. */
  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array>;
  /** Fire-and-forget delivery to whoever serves the subject now (replies to queued invocations). */
  publish(subject: string, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

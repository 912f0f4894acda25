import type {
  Context,
  Destination,
  InvokeOptions,
  Part,
  PeerEvent,
  PeerInfo,
  PeerPage,
  PeerPageQuery,
  RecvOptions,
  SendOptions,
  Source,
  StateMap,
  Unsubscribe,
} from '@praas/framework/internal';

/** What a Context needs from its process; implemented by ProcessController. */
export interface ContextHost {
  readonly app: string;
  readonly pid: string;
  readonly keyedState: StateMap;
  send(dest: Destination, key: string | number, data: unknown, options?: SendOptions): Promise<void>;
  recv<T>(source: Source, key: string | number, options?: RecvOptions): Promise<Part<T>>;
  invoke<R>(dest: Destination, fn: string, data: unknown, options?: InvokeOptions): Promise<R>;
  peers(): Promise<PeerInfo[]>;
  peerPage(query?: PeerPageQuery): Promise<PeerPage>;
  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe;
}

/**
 * The Context of one function call: the process API plus the name of the running function. Once
 * the call is abandoned (`signal` aborted), every operation throws the call's TimeoutError: what an
 * abandoned call would still send or write is not kept.
 */
export class ProcessContext implements Context {
  private fencedState: StateMap | undefined;

  constructor(
    private readonly host: ContextHost,
    readonly fn: string,
    readonly signal: AbortSignal = new AbortController().signal,
  ) {}

  get self(): string {
    return this.host.pid;
  }
  get app(): string {
    return this.host.app;
  }
  get state(): StateMap {
    return (this.fencedState ??= fenceState(this.host.keyedState, () => this.live()));
  }
  async send(dest: Destination, key: string | number, data: unknown, options?: SendOptions): Promise<void> {
    this.live();
    return this.host.send(dest, key, data, options);
  }
  async recv<T = unknown>(source: Source, key: string | number, options?: RecvOptions): Promise<Part<T>> {
    this.live();
    return this.host.recv<T>(source, key, options);
  }
  async invoke<R = unknown>(dest: Destination, fn: string, data?: unknown, options?: InvokeOptions): Promise<R> {
    this.live();
    return this.host.invoke<R>(dest, fn, data, options);
  }
  peers(): Promise<PeerInfo[]> {
    return this.host.peers();
  }
  peerPage(query?: PeerPageQuery): Promise<PeerPage> {
    return this.host.peerPage(query);
  }
  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe {
    return this.host.watchPeers(listener);
  }

  /** Throws the call's TimeoutError once it was abandoned. */
  private live(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }
}

/** `state` whose writes throw the call's error once the call is abandoned; reads stay allowed. */
function fenceState(state: StateMap, live: () => void): StateMap {
  return {
    get: <T>(key: string) => state.get<T>(key),
    has: (key) => state.has(key),
    keys: () => state.keys(),
    set: (key, value) => {
      live();
      state.set(key, value);
    },
    delete: (key) => {
      live();
      return state.delete(key);
    },
  };
}

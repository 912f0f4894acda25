import {
  UnavailableError,
  type Context,
  type Destination,
  type InvokeOptions,
  type Part,
  type PeerEvent,
  type PeerInfo,
  type PeerPage,
  type PeerPageQuery,
  type RecvOptions,
  type ScheduleOptions,
  type SendOptions,
  type Source,
  type StateMap,
  type TimerFiring,
  type TimerInfo,
  type Unsubscribe,
} from '@praas/framework/internal';
import type { TimerApi } from '../timers/process-timers';

/** What a Context needs from its process; implemented by ProcessApi. */
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
  /** The process's timers; absent on a host without a timer store. */
  readonly timerApi?: TimerApi;
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
    readonly timer?: TimerFiring,
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
  async schedule(fn: string, data: unknown, options: ScheduleOptions): Promise<string> {
    this.live();
    return this.timerApi().schedule(fn, data, options);
  }
  async cancel(id: string): Promise<boolean> {
    this.live();
    return this.timerApi().cancel(id);
  }
  async timers(): Promise<TimerInfo[]> {
    return this.timerApi().list();
  }

  private timerApi(): TimerApi {
    const api = this.host.timerApi;
    if (api === undefined) {
      throw new UnavailableError(
        `process '${this.host.pid}' runs on a host without a timer store: it cannot schedule timers`,
      );
    }
    return api;
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

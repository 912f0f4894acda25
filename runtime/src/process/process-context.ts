import type {
  Context,
  Destination,
  InvokeOptions,
  Part,
  PeerEvent,
  PeerInfo,
  RecvOptions,
  SendOptions,
  Source,
  StateMap,
  Unsubscribe,
} from '@praas/framework';

/** What a Context needs from its process; implemented by ProcessController. */
export interface ContextHost {
  readonly app: string;
  readonly pid: string;
  readonly keyedState: StateMap;
  send(dest: Destination, key: string | number, data: unknown, options?: SendOptions): Promise<void>;
  recv<T>(source: Source, key: string | number, options?: RecvOptions): Promise<Part<T>>;
  invoke<R>(dest: Destination, fn: string, data: unknown, options?: InvokeOptions): Promise<R>;
  peers(): Promise<PeerInfo[]>;
  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe;
}

/** The Context of one function call: the process API plus the name of the running function. */
export class ProcessContext implements Context {
  constructor(
    private readonly host: ContextHost,
    readonly fn: string,
  ) {}

  get self(): string {
    return this.host.pid;
  }
  get app(): string {
    return this.host.app;
  }
  get state(): StateMap {
    return this.host.keyedState;
  }
  send(dest: Destination, key: string | number, data: unknown, options?: SendOptions): Promise<void> {
    return this.host.send(dest, key, data, options);
  }
  recv<T = unknown>(source: Source, key: string | number, options?: RecvOptions): Promise<Part<T>> {
    return this.host.recv<T>(source, key, options);
  }
  invoke<R = unknown>(dest: Destination, fn: string, data?: unknown, options?: InvokeOptions): Promise<R> {
    return this.host.invoke<R>(dest, fn, data, options);
  }
  peers(): Promise<PeerInfo[]> {
    return this.host.peers();
  }
  watchPeers(listener: (event: PeerEvent) => void): Unsubscribe {
    return this.host.watchPeers(listener);
  }
}

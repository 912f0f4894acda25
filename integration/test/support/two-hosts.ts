import {
  DataPlaneClient,
  decode,
  encode,
  MemoryRegistry,
  MemoryTransport,
  newId,
  unwrapReply,
  type Constructor,
} from '@praas/framework/internal';
import { RuntimeHost, type RuntimeHostOptions, type SwapStore } from '@praas/runtime';

/**
 * Two runtime hosts of one application in this process, sharing a memory transport, a memory
 * registry and one swap store: enough to move a process from one host to the other.
 */
export class TwoHosts {
  readonly transport = new MemoryTransport();
  readonly registry = new MemoryRegistry();
  readonly a: RuntimeHost;
  readonly b: RuntimeHost;
  private readonly client: DataPlaneClient;
  private readonly epoch = newId();
  private seq = 0;

  constructor(
    readonly app: string,
    processes: Constructor[],
    store: SwapStore,
    options: Pick<RuntimeHostOptions, 'snapshots' | 'controller'> & { storeOfB?: SwapStore } = {},
  ) {
    const { storeOfB, ...rest } = options;
    const base = { app, processes, transport: this.transport, registry: this.registry, heartbeatMs: 60_000, ...rest };
    this.a = new RuntimeHost({ ...base, store, hostId: 'host-a' });
    this.b = new RuntimeHost({ ...base, store: storeOfB ?? store, hostId: 'host-b' });
    this.client = new DataPlaneClient(this.transport, this.registry, app);
  }

  async start(): Promise<void> {
    await this.a.start();
    await this.b.start();
  }

  /** Invokes a function of a process from outside, like a client on the data plane. */
  async call<R>(pid: string, fn: string, data?: unknown): Promise<R> {
    const reply = await this.client.invoke(
      pid,
      { t: 'inv', id: newId(), from: 'tester', fn, data: encode(data) },
      20_000,
    );
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes)) as R;
  }

  /** Sends a mailbox message to a process from outside (in order, from one sender). */
  async send(pid: string, key: string, data: unknown): Promise<void> {
    await this.client.send(pid, {
      t: 'msg',
      id: newId(),
      from: 'tester',
      epoch: this.epoch,
      seq: ++this.seq,
      key,
      data: encode(data),
    });
  }

  /** Stops both hosts without swapping (whatever a test left active is dropped) and closes the shared parts. */
  async stop(): Promise<void> {
    await this.a.stop({ swapOut: false });
    await this.b.stop({ swapOut: false });
    await this.registry.close();
    await this.transport.close();
  }
}

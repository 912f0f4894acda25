import type { AppRecord, Constructor, Registry, Transport } from '@praas/framework/internal';
import type { HostProvider, KnownProcessClass } from '@praas/gateway';
import { RuntimeHost, type RuntimeHostOptions, type SwapStore } from '@praas/runtime';

export interface InProcessHostProviderOptions {
  readonly processes: readonly Constructor[];
  readonly transport: Transport;
  readonly registry: Registry;
  readonly store: SwapStore;
  readonly host?: Pick<RuntimeHostOptions, 'snapshots' | 'controller' | 'heartbeatMs' | 'logger' | 'timers'>;
}

/** Provides one runtime host per application inside this Node.js process (the embedded mode). */
export class InProcessHostProvider implements HostProvider {
  readonly hosts = new Map<string, RuntimeHost>();
  /** Each host's start, which every concurrent `ensureHosts` of its application waits for. */
  private readonly starts = new Map<string, Promise<void>>();
  private readonly classes: KnownProcessClass[];

  constructor(private readonly options: InProcessHostProviderOptions) {
    // Built once, here, so that misused decorators fail at start-up rather than at first use.
    const functions = new RuntimeHost({ ...options, app: 'probe' }).functions;
    this.classes = Object.entries(functions).map(([name, fns]) => ({ name, functions: fns }));
  }

  /** Starts the application's host unless it runs; resolves once it has registered (also for concurrent callers). */
  ensureHosts(app: AppRecord): Promise<void> {
    let started = this.starts.get(app.name);
    if (!started) {
      const host = new RuntimeHost({
        ...this.options,
        ...this.options.host,
        app: app.name,
        hostId: `embedded-${app.name}`.slice(0, 128),
      });
      this.hosts.set(app.name, host);
      started = host.start();
      this.starts.set(app.name, started);
      // A failed start is not kept: the next placement tries again.
      started.catch(() => {
        if (this.starts.get(app.name) === started) {
          this.starts.delete(app.name);
          this.hosts.delete(app.name);
        }
      });
    }
    return started;
  }

  async releaseHosts(app: string): Promise<void> {
    const host = this.hosts.get(app);
    const started = this.starts.get(app);
    this.hosts.delete(app);
    this.starts.delete(app);
    if (!host) return;
    // A host still starting is stopped once it runs; one whose start failed holds nothing.
    if (
      await started?.then(
        () => true,
        () => false,
      )
    )
      await host.stop({ swapOut: false });
  }

  knownProcessClasses(): Promise<KnownProcessClass[]> {
    return Promise.resolve([...this.classes]);
  }

  /** Swaps every process out (their state is kept in the swap store) and stops the hosts. */
  async close(): Promise<void> {
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    this.starts.clear();
    await Promise.all(hosts.map((h) => h.stop({ swapOut: true })));
  }
}

import type { AppRecord, Constructor, Registry, Transport } from '@praas/framework';
import type { HostProvider, KnownProcessClass } from '@praas/gateway';
import { RuntimeHost, type RuntimeHostOptions, type SwapStore } from '@praas/runtime';

export interface InProcessHostProviderOptions {
  readonly processes: readonly Constructor[];
  readonly transport: Transport;
  readonly registry: Registry;
  readonly store: SwapStore;
  readonly host?: Pick<RuntimeHostOptions, 'snapshots' | 'controller' | 'heartbeatMs'>;
}

/** Provides one runtime host per application inside this Node.js process (the embedded mode). */
export class InProcessHostProvider implements HostProvider {
  readonly hosts = new Map<string, RuntimeHost>();
  private readonly classes: KnownProcessClass[];

  constructor(private readonly options: InProcessHostProviderOptions) {
    // Built once, here, so that misused decorators fail at start-up rather than at first use.
    const functions = new RuntimeHost({ ...options, app: 'probe' }).functions;
    this.classes = Object.entries(functions).map(([name, fns]) => ({ name, functions: fns }));
  }

  async ensureHosts(app: AppRecord): Promise<void> {
    if (this.hosts.has(app.name)) return;
    const host = new RuntimeHost({
      ...this.options,
      ...this.options.host,
      app: app.name,
      hostId: `embedded-${app.name}`.slice(0, 128),
    });
    this.hosts.set(app.name, host);
    await host.start();
  }

  async releaseHosts(app: string): Promise<void> {
    const host = this.hosts.get(app);
    this.hosts.delete(app);
    await host?.stop({ swapOut: false });
  }

  knownProcessClasses(): Promise<KnownProcessClass[]> {
    return Promise.resolve([...this.classes]);
  }

  /** Swaps every process out (their state is kept in the swap store) and stops the hosts. */
  async close(): Promise<void> {
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(hosts.map((h) => h.stop({ swapOut: true })));
  }
}

import { UnavailableError, type AppRecord, type Registry } from '@praas/framework/internal';
import { HOST_STALE_MS } from '../placement/least-loaded';
import type { HostProvider, KnownProcessClass } from './host-provider';

/**
 * The static pool (DESIGN §7, docker compose, Kubernetes): runtime hosts are started by someone
 * else and register themselves. Provisioning waits until a live host of the application has
 * registered; the process classes are the ones its hosts report.
 */
export class RegisteredHostProvider implements HostProvider {
  constructor(
    private readonly registry: Registry,
    private readonly waitMs = 10_000,
    /** Hosts whose last heartbeat is older than this count as gone. */
    private readonly staleMs = HOST_STALE_MS,
  ) {}

  async ensureHosts(app: AppRecord): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    while ((await this.liveHosts(app.name)).length === 0) {
      if (Date.now() > deadline) {
        throw new UnavailableError(
          `no runtime host of application '${app.name}' registered within ${this.waitMs} ms; ` +
            `start one with PRAAS_APP=${app.name} praas-framework host --module <compiled module>`,
          { details: { app: app.name } },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  releaseHosts(): Promise<void> {
    return Promise.resolve();
  }

  async knownProcessClasses(app: string): Promise<KnownProcessClass[]> {
    // Hosts of one application may run different code versions for a while: a class has what any
    // of them has, and unknown functions (a host that does not report them) stay unknown.
    const classes = new Map<string, Set<string> | 'unknown'>();
    for (const host of await this.liveHosts(app)) {
      for (const c of host.processClasses ?? []) {
        const functions = host.functions?.[c];
        const seen = classes.get(c);
        if (functions === undefined || seen === 'unknown') classes.set(c, 'unknown');
        else classes.set(c, new Set([...(seen ?? []), ...functions]));
      }
    }
    return [...classes]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, functions]) => (functions === 'unknown' ? { name } : { name, functions: [...functions].sort() }));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async liveHosts(app: string) {
    const now = Date.now();
    return (await this.registry.listHosts(app)).filter((h) => now - h.heartbeatAt <= this.staleMs);
  }
}

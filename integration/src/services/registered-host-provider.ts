import type { AppRecord, Registry } from '@praas/framework';
import type { HostProvider } from '@praas/gateway';

/**
 * A HostProvider for hosts started elsewhere (OS processes spawned by a test, a static pool): it
 * provisions nothing and waits until a host of the application has registered.
 */
export class RegisteredHostProvider implements HostProvider {
  constructor(
    private readonly registry: Registry,
    private readonly processClasses: readonly string[],
    private readonly waitMs = 10_000,
  ) {}

  async ensureHosts(app: AppRecord): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    while ((await this.registry.listHosts(app.name)).length === 0) {
      if (Date.now() > deadline)
        throw new Error(`no runtime host of '${app.name}' registered within ${this.waitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  releaseHosts(): Promise<void> {
    return Promise.resolve();
  }

  knownProcessClasses(): string[] {
    return [...this.processClasses];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

import { DataPlaneClient, type Registry, type Transport } from '@praas/framework/internal';

/**
 * One `DataPlaneClient` per application, made on first use: the gateway's way into processes for
 * invocations, messages and activations. Only applications the registry knows get one, so the
 * cache does not grow with names callers made up (callers check with `has` first).
 */
export class DataPlaneClients {
  private readonly clients = new Map<string, DataPlaneClient>();

  constructor(
    private readonly transport: Transport,
    private readonly registry: Registry,
  ) {}

  /** Whether a client of `app` exists, i.e. the application was found in the registry before. */
  has(app: string): boolean {
    return this.clients.has(app);
  }

  get(app: string): DataPlaneClient {
    let client = this.clients.get(app);
    if (!client) this.clients.set(app, (client = new DataPlaneClient(this.transport, this.registry, app)));
    return client;
  }

  /** Drops the client of a deleted application. */
  forget(app: string): void {
    this.clients.delete(app);
  }
}

import type { ClientInvokeOptions } from '../api/control-plane';
import type { Registry } from '../registry/registry';
import { DataPlaneClient, unwrapReply } from '../transport/data-plane-client';
import { DirectTransport } from '../transport/direct/direct-transport';
import { RegistryRoutes } from '../transport/direct/registry-routes';
import { receiverKey, SequencedSender } from '../transport/sequenced-sender';
import type { Transport } from '../transport/transport';
import { decode, encode } from '../wire/codec';
import { newId } from '../wire/ids';
import { normalizeKey, validateName } from '../wire/names';

/** Direct access to the data plane: the transport processes listen on, and the registry it shares. */
export interface DataPlaneAccess {
  readonly transport: Transport;
  readonly registry: Registry;
  /**
   * Reach processes over direct connections to their hosts' data ports (DESIGN §5a), routed by the
   * registry, with `transport` as the fallback (default false: every call over `transport`). The
   * hosts' advertised addresses must be reachable from here; call {@link PraasClient.close} when done.
   */
  readonly direct?: boolean;
}

/**
 * A client's path to processes that bypasses the gateway (DESIGN §3): invocations with a pid and
 * messages, sequenced by one sender identity, over the given transport or direct connections.
 */
export class ClientDataPlane {
  private readonly clients = new Map<string, DataPlaneClient>();
  private direct: DirectTransport | undefined;
  /** This client's identity as a sender and the numbering of its messages. */
  private readonly sender = new SequencedSender(`client:${newId().slice(0, 8)}`);

  constructor(private readonly access: DataPlaneAccess) {}

  async invoke<R>(app: string, fn: string, data: unknown, options: ClientInvokeOptions): Promise<R> {
    validateName('function', fn);
    const key = options.key === undefined ? undefined : normalizeKey('message key', options.key);
    const id =
      options.idempotencyKey === undefined ? undefined : validateName('idempotency key', options.idempotencyKey);
    const reply = await this.client(app).invoke(
      validateName('pid', options.pid),
      this.sender.invocation(fn, encode(data, `argument of '${fn}'`), { ...(key === undefined ? {} : { key }), id }),
      options.timeoutMs,
      { idempotent: id !== undefined },
    );
    const bytes = unwrapReply(reply);
    return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}'`)) as R;
  }

  async send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    validateName('pid', pid);
    const messageKey = normalizeKey('message key', key);
    const bytes = encode(data, `message '${messageKey}'`);
    await this.client(app).send(pid, this.sender.message(receiverKey(app, pid), messageKey, bytes));
  }

  /** Closes the direct connections, if any were opened; the given transport and registry stay open. */
  async close(): Promise<void> {
    const direct = this.direct;
    this.direct = undefined;
    this.clients.clear();
    await direct?.close();
  }

  private client(app: string): DataPlaneClient {
    let client = this.clients.get(app);
    if (!client) {
      let transport = this.access.transport;
      if (this.access.direct) {
        this.direct ??= new DirectTransport(this.access.transport, {
          from: this.sender.from,
          routes: new RegistryRoutes(this.access.registry),
          ownsInner: false,
        });
        transport = this.direct;
      }
      this.clients.set(app, (client = new DataPlaneClient(transport, this.access.registry, app)));
    }
    return client;
  }
}

import { TimeoutError, UnavailableError } from '../../errors';
import type { BackupQueue, RequestHandler, RequestOptions, ServeOptions, Subscription, Transport } from '../transport';
import { advertisedAddress, formatAddress } from './address';
import { ConnectionLostError } from './direct-connection';
import { DirectPeers, type DirectPeersOptions } from './direct-peers';
import type { DirectRoutes } from './direct-routes';
import { DirectServer, type DirectServerOptions } from './direct-server';

/** How long the first fallback request after a broken connection may take before it is sent again. */
const FAILOVER_PROBE_MS = 500;

/** Options of {@link DirectTransport.create}. */
export interface DirectTransportOptions extends DirectPeersOptions {
  /** Which host serves which subject. The transport closes it on `close`. */
  readonly routes: DirectRoutes;
  /**
   * Listen on a data port and answer requests for the subjects served here (a runtime host).
   * Without it the transport only dials (a gateway, a client).
   */
  readonly listen?: DirectListenOptions;
  /** Whether `close` closes the inner transport too (default true). */
  readonly ownsInner?: boolean;
}

/** How a host's data port listens and what it advertises. */
export interface DirectListenOptions extends Omit<DirectServerOptions, 'maxFrameBytes'> {
  /**
   * The `host` or `host:port` others dial (default: the address bound). A port given here differs
   * from the bound one behind a proxy or a port mapping.
   */
  readonly advertise?: string;
}

/**
 * The direct data plane (DESIGN §5a) as a Transport: requests whose subject has a known route go
 * over one multiplexed TCP connection to the host serving it; everything else, and every request
 * that the host answers NOT_HERE or that a failed connection leaves unanswered, takes the inner
 * transport (NATS) with the same bytes. Subjects served here are served on both. The backup queue
 * and publish are the inner transport's.
 *
 * Requests made in order are written in order: the route and the connection are found without
 * waiting, so a caller that pipelines sends keeps its stream order on the wire. A request may
 * reach its handler twice (once directly before a connection broke, again over the fallback):
 * the data plane's receivers drop repeats by message id.
 * @example
 * ```ts
 * const nats = await NatsTransport.connect({ servers: url });
 * const transport = await DirectTransport.create(nats, {
 *   from: 'host-1',
 *   routes: new RegistryRoutes(registry),
 *   listen: { app: 'demo', hostId: 'host-1', port: 0 },
 * });
 * ```
 */
export class DirectTransport implements Transport {
  readonly backup: BackupQueue;
  private readonly handlers = new Map<string, RequestHandler[]>();
  /** Subscriptions on the inner transport, ended on close when the inner transport lives on. */
  private readonly innerSubscriptions = new Set<Subscription>();
  private readonly peers: DirectPeers;
  private server: DirectServer | undefined;
  private advertised: string | undefined;
  private closing: Promise<void> | undefined;

  /** Wraps `inner`; with `listen` in the options, call {@link listen} before serving (or use {@link create}). */
  constructor(
    readonly inner: Transport,
    private readonly options: DirectTransportOptions,
  ) {
    this.backup = inner.backup;
    this.peers = new DirectPeers(options, (address) => options.routes.unreachable?.(address));
  }

  /** Wraps `inner`; with `listen`, resolves once the data port listens. */
  static async create(inner: Transport, options: DirectTransportOptions): Promise<DirectTransport> {
    const transport = new DirectTransport(inner, options);
    await transport.listen();
    return transport;
  }

  /** `host:port` that peers dial to reach this side; undefined when it does not listen. */
  get address(): string | undefined {
    return this.advertised;
  }

  /** Open connections to peers. */
  get connections(): number {
    return this.peers.size;
  }

  async serve(subject: string, handler: RequestHandler, options: ServeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    const list = this.handlers.get(subject) ?? [];
    list.push(handler);
    this.handlers.set(subject, list);
    const forget = (): void => {
      const rest = (this.handlers.get(subject) ?? []).filter((h) => h !== handler);
      if (rest.length) this.handlers.set(subject, rest);
      else this.handlers.delete(subject);
    };
    let inner: Subscription;
    try {
      inner = await this.inner.serve(subject, handler, options);
    } catch (e) {
      forget();
      throw e;
    }
    this.innerSubscriptions.add(inner);
    if (this.advertised !== undefined && this.options.listen) {
      this.options.routes.served?.(subject, { address: this.advertised, app: this.options.listen.app });
    }
    return {
      unsubscribe: async () => {
        // Direct requests for the subject are answered NOT_HERE from now on; those being handled finish.
        forget();
        this.innerSubscriptions.delete(inner);
        await inner.unsubscribe();
      },
    };
  }

  async request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    this.assertOpen();
    const route = this.options.routes.lookup(subject);
    const connection = route && this.peers.get(route.address, route.app);
    if (!route || !connection) return this.inner.request(subject, data, options);
    const deadline = Date.now() + options.timeoutMs;
    try {
      const reply = await connection.request(subject, data, options.timeoutMs);
      if (reply.kind === 'reply') return reply.data;
      this.options.routes.forget(subject, route.address);
    } catch (e) {
      if (e instanceof TimeoutError) {
        throw new TimeoutError(`no reply on '${subject}' within ${options.timeoutMs} ms`, {
          subject,
          address: route.address,
        });
      }
      if (!(e instanceof ConnectionLostError)) throw e;
      // Unanswered: the NATS path finds the process wherever it is now, or its backup queue. A
      // request that did reach the peer arrives twice, and the receiver drops it by message id.
      return this.failOver(subject, data, deadline);
    }
    return this.inner.request(subject, data, { timeoutMs: Math.max(1, deadline - Date.now()) });
  }

  /**
   * The fallback after a broken connection. The peer may have died, and the broker may not have
   * dropped its subscriptions yet: a request routed there would wait for its whole timeout. The
   * first try is short; a second one (by then the broker answers no-responders, or a live process
   * answers; receivers drop a repeat by message id) takes the rest of the deadline.
   */
  private async failOver(subject: string, data: Uint8Array, deadline: number): Promise<Uint8Array> {
    const remaining = Math.max(1, deadline - Date.now());
    const probe = Math.min(FAILOVER_PROBE_MS, remaining);
    try {
      return await this.inner.request(subject, data, { timeoutMs: probe });
    } catch (e) {
      if (!(e instanceof TimeoutError) || probe >= remaining) throw e;
    }
    return this.inner.request(subject, data, { timeoutMs: Math.max(1, deadline - Date.now()) });
  }

  publish(subject: string, data: Uint8Array): Promise<void> {
    this.assertOpen();
    return this.inner.publish(subject, data);
  }

  /** Stops listening, closes the connections to peers, and (when it owns it) the inner transport. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.handlers.clear();
      await this.server?.close();
      await this.peers.close();
      await this.options.routes.close?.();
      if (this.options.ownsInner !== false) await this.inner.close();
      else for (const sub of this.innerSubscriptions) await sub.unsubscribe();
      this.innerSubscriptions.clear();
    })();
    return this.closing;
  }

  /**
   * Opens the data port given in the options' `listen` (nothing to do without it); resolves with
   * the advertised address once it listens.
   * @throws UnavailableError when the port cannot be bound; InvalidArgumentError for a bad `advertise`.
   */
  async listen(): Promise<string | undefined> {
    const options = this.options.listen;
    if (!options || this.server) return this.advertised;
    this.assertOpen();
    const server = new DirectServer(options, (subject) => this.handlers.get(subject)?.[0]);
    const bound = await server.listen();
    try {
      this.advertised = options.advertise?.trim()
        ? advertisedAddress(options.advertise, bound.port, 'the advertised direct data-plane address')
        : formatAddress(bound);
    } catch (e) {
      await server.close();
      throw e;
    }
    this.server = server;
    return this.advertised;
  }

  private assertOpen(): void {
    if (this.closing) throw new UnavailableError('the direct transport is closed');
  }
}

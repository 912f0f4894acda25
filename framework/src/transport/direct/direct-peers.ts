import { parseAddress } from './address';
import { DirectConnection, type DirectConnectionOptions } from './direct-connection';

/** Options of {@link DirectPeers}. */
export interface DirectPeersOptions extends Omit<DirectConnectionOptions, 'app' | 'secret'> {
  /** The data-plane secret of an application whose hosts need proof (DESIGN §8a); undefined: none. */
  readonly secretOf?: (app: string) => Uint8Array | undefined;
  /**
   * After a connection to an address failed before the peer welcomed it (refused, not a host, a
   * host of another application), requests for it take the fallback path for this long before it
   * is dialled again (default 1 000 ms).
   */
  readonly retryAfterMs?: number;
}

/**
 * The connections of one side of the direct data plane: one per peer address, opened on first use
 * and kept; a connection that fails is dropped, and the next request opens a new one. An address
 * whose port refused a connection is left alone for `retryAfterMs`, so a dead host costs the
 * senders nothing but the fallback.
 */
export class DirectPeers {
  private readonly connections = new Map<string, DirectConnection>();
  private readonly downUntil = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly options: DirectPeersOptions,
    private readonly onUnreachable: (address: string) => void = () => undefined,
  ) {}

  /** The connection to `address` (opened now when there is none), or undefined while it counts as down. */
  get(address: string, app: string): DirectConnection | undefined {
    if (this.closed) return undefined;
    const existing = this.connections.get(address);
    if (existing?.open) return existing;
    const down = this.downUntil.get(address);
    if (down !== undefined) {
      if (Date.now() < down) return undefined;
      this.downUntil.delete(address);
    }
    let peer;
    try {
      peer = parseAddress(address);
    } catch {
      // A host record with an address nobody can dial: that host is reached over the fallback path.
      this.downUntil.set(address, Number.POSITIVE_INFINITY);
      this.onUnreachable(address);
      return undefined;
    }
    const secret = this.options.secretOf?.(app);
    const connection = new DirectConnection(peer, { ...this.options, app, ...(secret ? { secret } : {}) });
    this.connections.set(address, connection);
    connection.onClose(() => {
      if (this.connections.get(address) === connection) this.connections.delete(address);
      // Refused, not a host, or a host of another application: not dialled again for a while.
      if (!connection.welcomed && !this.closed) {
        this.downUntil.set(address, Date.now() + (this.options.retryAfterMs ?? 1_000));
        this.onUnreachable(address);
      }
    });
    return connection;
  }

  /** Connections open now (for tests and metrics). */
  get size(): number {
    return this.connections.size;
  }

  /** Closes every connection; their pending requests fail over. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

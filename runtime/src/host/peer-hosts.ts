import {
  CodeLoadFailedError,
  decodeReply,
  decodeWire,
  encodeWire,
  fromWireError,
  hostSubject,
  NoRespondersError,
  withTrace,
  type ControlRequest,
  type HostRecord,
  type ProcessInfo,
  type Registry,
  type Transport,
} from '@praas/framework/internal';

export interface PeerHostsOptions {
  readonly app: string;
  /** This host, which is never its own peer. */
  readonly hostId: string;
  readonly transport: Transport;
  readonly registry: Registry;
  /** A host whose last heartbeat is older than this counts as dead (default 10 000 ms). */
  readonly hostStaleMs?: number | undefined;
  /** How long a peer may take to answer an activation (default 30 000 ms). */
  readonly requestTimeoutMs?: number | undefined;
}

/**
 * The other hosts of the application, as this host sees them through the registry's heartbeats:
 * whether one is alive, and asking one to activate a process (the holder of a process answers
 * activations for it; an activation this host cannot serve is handed on).
 */
export class PeerHosts {
  constructor(private readonly options: PeerHostsOptions) {}

  /** Whether `host`'s last heartbeat is recent enough for it to count as alive at `now`. */
  fresh(host: HostRecord, now: number): boolean {
    return now - host.heartbeatAt <= (this.options.hostStaleMs ?? 10_000);
  }

  /** Whether the host `hostId` is registered and alive. */
  async alive(hostId: string): Promise<boolean> {
    const hosts = await this.options.registry.listHosts(this.options.app);
    const host = hosts.find((h) => h.id === hostId);
    return host !== undefined && this.fresh(host, Date.now());
  }

  /**
   * Asks `hostId` to activate `pid` (with `forwarded`, as a hand-on it must not hand on again).
   * @returns the process's info, or 'gone' when no one serves that host any more.
   * @throws the peer's error, rebuilt from the wire.
   */
  async activate(hostId: string, pid: string, forwarded = false): Promise<ProcessInfo | 'gone'> {
    // The activation's trace goes on to the host that takes it.
    const request = withTrace<ControlRequest>({
      op: 'activate',
      app: this.options.app,
      pid,
      ...(forwarded ? { forwarded } : {}),
    });
    let bytes: Uint8Array;
    try {
      bytes = await this.options.transport.request(hostSubject(this.options.app, hostId), encodeWire(request), {
        timeoutMs: this.options.requestTimeoutMs ?? 30_000,
      });
    } catch (e) {
      if (e instanceof NoRespondersError) return 'gone';
      throw e;
    }
    const reply = decodeReply(bytes);
    if (!reply.ok) throw fromWireError(reply.error);
    return decodeWire<ProcessInfo>(reply.data!, 'activation reply');
  }

  /**
   * Hands an activation this host cannot serve (it cannot load the process's code) on to the live
   * peers that report no code error, least loaded first; the first that activates it answers.
   * @returns undefined when none could.
   */
  async handOn(pid: string): Promise<ProcessInfo | undefined> {
    const now = Date.now();
    const peers = (await this.options.registry.listHosts(this.options.app))
      .filter((h) => h.id !== this.options.hostId && h.codeError === undefined && this.fresh(h, now))
      .sort((a, b) => a.activeProcesses - b.activeProcesses);
    for (const peer of peers) {
      try {
        const answer = await this.activate(peer.id, pid, true);
        if (answer !== 'gone') return answer;
      } catch (e) {
        // That peer cannot load the code either (its heartbeat did not say so yet): try the next.
        if (!(e instanceof CodeLoadFailedError)) throw e;
      }
    }
    return undefined;
  }
}

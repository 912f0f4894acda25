import {
  CodeLoadFailedError,
  NoRespondersError,
  PraasError,
  silentLogger,
  UnavailableError,
  type AppRecord,
  type CodeLoadFailure,
  type HostRecord,
  type Logger,
  type Registry,
} from '@praas/framework/internal';
import type { HostProvider } from '../provisioning/host-provider';
import { HOST_STALE_MS, pickLeastLoaded } from './least-loaded';

export interface HostPlacementOptions {
  readonly registry: Registry;
  /** Asked for a host when an application has none (it may start one, or wait for one to register). */
  readonly provider: HostProvider;
  /** Hosts whose last heartbeat is older than this get no new processes (default HOST_STALE_MS). */
  readonly hostStaleMs?: number;
  /** Where hosts passed over are logged (default: nowhere). */
  readonly logger?: Logger;
  /** The clock placements are stamped with, compared with the hosts' heartbeat times (default Date.now). */
  readonly clock?: () => number;
}

/** What a request placed on a host needs of it. */
export interface PlacementRequest {
  /** Only hosts that can load the application's newest code qualify (a new process needs it; a deletion does not). */
  readonly needsCode: boolean;
  /** The host to try first, e.g. the one holding the process; placement chooses the next ones. */
  readonly first?: string;
  /** Whether the request adds a process to the host it succeeds on (a create): it counts as load until the host's next heartbeat. */
  readonly adds?: boolean;
}

/** The error of a request that only hosts unable to load the application's code could serve: the newest version's. */
function codeLoadFailure(app: string, broken: readonly HostRecord[]): CodeLoadFailedError {
  const [newest] = [...broken].sort((a, b) => b.codeError!.version - a.codeError!.version || a.id.localeCompare(b.id));
  return new CodeLoadFailedError(app, newest!.codeError!.version, newest!.codeError!.message, newest!.id);
}

/** Where a request may go: a host that can serve it, and the live hosts that cannot load the newest code. */
interface Pick {
  readonly host?: HostRecord;
  readonly broken: readonly HostRecord[];
}

/**
 * Places requests on an application's runtime hosts (DESIGN §3): the live host holding the fewest
 * processes, passing over hosts that cannot load the newest code when the request needs it, and
 * hosts that turn out to be gone. The load of a host is the count in its heartbeat record, plus the
 * processes this placement added to it that the heartbeat may not count (answered at or after the
 * heartbeat's time: the host counts a process from before it answers), plus its requests to it still in
 * flight, so creates in quick succession or in a concurrent burst spread over the hosts although
 * heartbeats lag. A placement reads the host records only: it costs O(hosts), never O(processes)
 * (DESIGN §6, scale rules). Its only state is, per host, the requests in flight and the times of the
 * creates answered since its last heartbeat. Hosts on other machines compare heartbeat times from
 * their clocks with this one's: a skew of a few milliseconds only shifts when a create stops counting.
 */
export class HostPlacement {
  /** Requests this placement sent to each host that the host has not answered yet. */
  private readonly inFlight = new Map<string, number>();
  /** When each create this placement made on a host was answered (its clock), oldest first, until a heartbeat counts it. */
  private readonly placed = new Map<string, number[]>();
  /** The listing of each application's hosts in flight, which placements started meanwhile share. */
  private readonly listing = new Map<string, Promise<HostRecord[]>>();
  readonly hostStaleMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(private readonly options: HostPlacementOptions) {
    this.hostStaleMs = options.hostStaleMs ?? HOST_STALE_MS;
    this.logger = options.logger ?? silentLogger;
    this.now = options.clock ?? Date.now;
  }

  /**
   * Runs `attempt` on `request.first`, else on a host chosen by placement, and on the next one
   * while the host chosen does not serve any more (it died, and its heartbeat is not stale yet)
   * or, with `needsCode`, answers that it cannot load the application's code.
   * @throws CodeLoadFailedError when only hosts that cannot load the code are left;
   *   UnavailableError when no host serves the application; whatever else `attempt` throws.
   */
  async onPlacedHost<T>(app: AppRecord, request: PlacementRequest, attempt: (host: string) => Promise<T>): Promise<T> {
    const passedOver = new Set<string>();
    let codeFailure: PraasError | undefined;
    const place = (): Promise<string> => this.place(app, request.needsCode, passedOver, codeFailure);
    for (let host = request.first === undefined ? await place() : this.reserve(request.first); ; host = await place()) {
      try {
        const result = await attempt(host);
        if (request.adds) this.added(host);
        return result;
      } catch (e) {
        if (request.needsCode && e instanceof PraasError && e.code === CodeLoadFailedError.code) {
          codeFailure = e;
          this.logger.warn('a host cannot load the application’s code; placing on another', {
            app: app.name,
            host,
            err: e,
          });
        } else if (e instanceof NoRespondersError) {
          // Dead, though its heartbeat is not stale yet: the hosts take its processes over soon.
          this.logger.warn('a host does not answer; placing on another', { app: app.name, host });
        } else throw e;
        passedOver.add(host);
      } finally {
        this.release(host);
      }
    }
  }

  /** The live hosts of the application that cannot load its newest code, with their reasons, by host id. */
  async codeErrors(app: string): Promise<CodeLoadFailure[]> {
    const now = this.now();
    return (await this.options.registry.listHosts(app))
      .filter((h) => h.codeError !== undefined && this.live(h, now))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((h) => ({ host: h.id, version: h.codeError!.version, message: h.codeError!.message }));
  }

  /** How many processes this placement added to `host` that no heartbeat it saw counts yet (for tests and diagnostics). */
  placedOn(host: string): number {
    return this.placed.get(host)?.length ?? 0;
  }

  /** How many requests to `host` are in flight (for tests and diagnostics). */
  inFlightTo(host: string): number {
    return this.inFlight.get(host) ?? 0;
  }

  /**
   * A live host for a request, counted as in flight in the same turn it is picked, so the picks of
   * a concurrent burst see each other. When only hosts that cannot load the code are left, the
   * request fails at once with their reason (`codeFailure`, the answer of one of them, comes first).
   */
  private async place(
    app: AppRecord,
    needsCode: boolean,
    passedOver: ReadonlySet<string>,
    codeFailure: PraasError | undefined,
  ): Promise<string> {
    let pick = await this.leastLoaded(app.name, passedOver, needsCode);
    if (!pick.host && pick.broken.length === 0 && !codeFailure) {
      await this.options.provider.ensureHosts(app);
      pick = await this.leastLoaded(app.name, passedOver, needsCode);
    }
    if (pick.host) return pick.host.id;
    if (codeFailure) throw codeFailure;
    if (pick.broken.length > 0) throw codeLoadFailure(app.name, pick.broken);
    throw new UnavailableError(`no runtime host serves application '${app.name}'`, { details: { app: app.name } });
  }

  /** The live host holding the fewest processes (heartbeat count, placed since, in flight), reserved in the same turn. */
  private async leastLoaded(app: string, passedOver: ReadonlySet<string>, needsCode: boolean): Promise<Pick> {
    const hosts = await this.hostsOf(app);
    const now = this.now();
    const candidates = hosts.filter((h) => !passedOver.has(h.id));
    const broken = needsCode ? candidates.filter((h) => h.codeError !== undefined && this.live(h, now)) : [];
    const host = pickLeastLoaded(
      candidates
        .filter((h) => !(needsCode && h.codeError !== undefined))
        .map((h) => ({ ...h, activeProcesses: h.activeProcesses + this.placedSince(h) + this.inFlightTo(h.id) })),
      now,
      this.hostStaleMs,
    );
    // Reserved in the same turn as the pick: the next pick of a concurrent burst already sees it.
    if (host) this.reserve(host.id);
    return { ...(host ? { host } : {}), broken };
  }

  /**
   * The application's host records. Placements that start while a listing is in flight share it:
   * a burst of creates costs the registry one listing at a time, not one each (a listing is a
   * JetStream consumer), and what they add meanwhile is counted here (`placed`, `inFlight`).
   */
  private hostsOf(app: string): Promise<HostRecord[]> {
    let listing = this.listing.get(app);
    if (!listing) {
      listing = this.options.registry.listHosts(app).finally(() => this.listing.delete(app));
      this.listing.set(app, listing);
    }
    return listing;
  }

  /**
   * What this placement added to `host` that its heartbeat may not count. The host counts a process
   * from its creation, before it answers, so a heartbeat taken after the answer counts it: those
   * creates are forgotten. One answered at or after the heartbeat's time still counts here, even when
   * that heartbeat reaches the registry later than the answer reached this placement.
   */
  private placedSince(host: HostRecord): number {
    const stamps = this.placed.get(host.id);
    if (!stamps) return 0;
    let counted = 0;
    while (counted < stamps.length && stamps[counted]! < host.heartbeatAt) counted++;
    stamps.splice(0, counted);
    if (stamps.length === 0) this.placed.delete(host.id);
    return stamps.length;
  }

  private added(host: string): void {
    const stamps = this.placed.get(host);
    if (stamps) stamps.push(this.now());
    else this.placed.set(host, [this.now()]);
  }

  /** Counts a request to `host` as load until it is answered (`release`). */
  private reserve(host: string): string {
    this.inFlight.set(host, this.inFlightTo(host) + 1);
    return host;
  }

  private release(host: string): void {
    const left = this.inFlightTo(host) - 1;
    if (left > 0) this.inFlight.set(host, left);
    else this.inFlight.delete(host);
  }

  private live(host: HostRecord, now: number): boolean {
    return now - host.heartbeatAt <= this.hostStaleMs;
  }
}

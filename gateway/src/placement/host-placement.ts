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
} from '@praas/framework';
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
}

/** What a request placed on a host needs of it. */
export interface PlacementRequest {
  /** Only hosts that can load the application's newest code qualify (a new process needs it; a deletion does not). */
  readonly needsCode: boolean;
  /** The host to try first, e.g. the one holding the process; placement chooses the next ones. */
  readonly first?: string;
}

/** Statuses in which a process occupies its host. */
const HELD_STATUSES: ReadonlySet<string> = new Set(['active', 'swapping-in', 'swapping-out']);

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
 * hosts that turn out to be gone. The load of a host is counted from the process records (which a
 * host writes before it answers a create) plus this gateway's requests to it still in flight, so
 * creates in quick succession or in a concurrent burst spread over the hosts although heartbeats
 * lag. Its only state is that in-flight count; everything else is read from the registry.
 */
export class HostPlacement {
  /** Requests this placement sent to each host that the host has not answered yet. */
  private readonly inFlight = new Map<string, number>();
  readonly hostStaleMs: number;
  private readonly logger: Logger;

  constructor(private readonly options: HostPlacementOptions) {
    this.hostStaleMs = options.hostStaleMs ?? HOST_STALE_MS;
    this.logger = options.logger ?? silentLogger;
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
        return await attempt(host);
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
    const now = Date.now();
    return (await this.options.registry.listHosts(app))
      .filter((h) => h.codeError !== undefined && this.live(h, now))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((h) => ({ host: h.id, version: h.codeError!.version, message: h.codeError!.message }));
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

  /** The live host holding the fewest processes (records plus requests in flight), reserved in the same turn. */
  private async leastLoaded(app: string, passedOver: ReadonlySet<string>, needsCode: boolean): Promise<Pick> {
    const [hosts, processes] = await Promise.all([
      this.options.registry.listHosts(app),
      this.options.registry.listProcesses(app),
    ]);
    const held = new Map<string, number>();
    for (const p of processes)
      if (p.host !== undefined && HELD_STATUSES.has(p.status)) held.set(p.host, (held.get(p.host) ?? 0) + 1);
    const now = Date.now();
    const candidates = hosts.filter((h) => !passedOver.has(h.id));
    const broken = needsCode ? candidates.filter((h) => h.codeError !== undefined && this.live(h, now)) : [];
    const host = pickLeastLoaded(
      candidates
        .filter((h) => !(needsCode && h.codeError !== undefined))
        .map((h) => ({ ...h, activeProcesses: (held.get(h.id) ?? 0) + this.inFlightTo(h.id) })),
      now,
      this.hostStaleMs,
    );
    // Reserved in the same turn as the pick: the next pick of a concurrent burst already sees it.
    if (host) this.reserve(host.id);
    return { ...(host ? { host } : {}), broken };
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

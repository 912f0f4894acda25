import type { ProcessRecord, Registry } from '../../registry/registry';
import { parseProcessSubject, processSubject } from '../../wire/subjects';
import type { Subscription } from '../transport';
import type { DirectRoute, DirectRoutes } from './direct-routes';

/** Options of {@link RegistryRoutes}. */
export interface RegistryRoutesOptions {
  /** A process whose route is unknown is looked up in the registry at most this often (default 1 000 ms). */
  readonly lookupIntervalMs?: number;
  /** Where background look-ups that failed are reported (default: a process warning). */
  readonly log?: (line: string) => void;
}

interface AppState {
  /** Data-plane address of each host that advertises one. */
  readonly hosts: Map<string, string>;
  watch?: Subscription;
  started?: Promise<void>;
  /** When the host records were last read for a host id ('' for all hosts). */
  readonly hostReads: Map<string, number>;
}

interface ProcessRoute {
  readonly app: string;
  readonly host: string;
}

/** At most this many pids are remembered as recently looked up; older entries are dropped. */
const LOOKUP_MEMORY = 10_000;

/**
 * Routes to processes from the registry (DESIGN §5a): a cache pid → host, filled from the
 * process-record watch of each application and from a registry read when a pid is missed, plus
 * the data-plane address of each host from its host record. `lookup` never waits: on a miss the
 * request takes the fallback path while the read runs, and the next request finds the route.
 * A NOT_HERE answer makes the sender forget the route, the watch brings the new one.
 */
export class RegistryRoutes implements DirectRoutes {
  private readonly apps = new Map<string, AppState>();
  private readonly routes = new Map<string, ProcessRoute>();
  private readonly lookedUp = new Map<string, number>();
  private readonly lookupIntervalMs: number;
  private closed = false;

  constructor(
    private readonly registry: Registry,
    private readonly options: RegistryRoutesOptions = {},
  ) {
    this.lookupIntervalMs = options.lookupIntervalMs ?? 1_000;
  }

  /** Starts watching an application's process records and reads its hosts; resolves when both are in place. */
  start(app: string): Promise<void> {
    return this.app(app).started!;
  }

  lookup(subject: string): DirectRoute | undefined {
    const route = this.routes.get(subject);
    if (route) {
      const state = this.app(route.app);
      const address = state.hosts.get(route.host);
      if (address !== undefined) return { address, app: route.app };
      void this.readHosts(route.app, state, route.host); // Never rejects: failures are reported.
      return undefined;
    }
    this.miss(subject);
    return undefined;
  }

  forget(subject: string, address: string): void {
    const route = this.routes.get(subject);
    if (route && this.apps.get(route.app)?.hosts.get(route.host) === address) this.routes.delete(subject);
  }

  /** A host that cannot be reached may have come back on another port: its address is read again. */
  unreachable(address: string): void {
    for (const [app, state] of this.apps) {
      for (const [host, hostAddress] of state.hosts) {
        if (hostAddress !== address) continue;
        state.hosts.delete(host);
        state.hostReads.delete(host);
        void this.readHosts(app, state, host);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const watches = [...this.apps.values()].map((s) => s.watch);
    this.apps.clear();
    this.routes.clear();
    for (const w of watches) await w?.unsubscribe();
  }

  private app(app: string): AppState {
    let state = this.apps.get(app);
    if (!state) {
      const created: AppState = { hosts: new Map(), hostReads: new Map() };
      this.apps.set(app, created);
      created.started = (async () => {
        const watch = await this.registry.watchProcesses(app, (event) =>
          this.learn(event.type === 'deleted' ? { ...event.record, status: 'deleted' } : event.record),
        );
        if (this.closed) await watch.unsubscribe();
        else created.watch = watch;
        await this.readHosts(app, created, '');
      })();
      created.started.catch((e: unknown) => {
        // The next miss of this application tries again.
        if (this.apps.get(app) === created) this.apps.delete(app);
        this.report(`cannot watch the processes of '${app}'`, e);
      });
      state = created;
    }
    return state;
  }

  private learn(record: ProcessRecord): void {
    if (this.closed) return;
    const subject = processSubject(record.app, record.pid);
    if (record.status === 'active' && record.host !== undefined) {
      this.routes.set(subject, { app: record.app, host: record.host });
      const state = this.app(record.app);
      if (!state.hosts.has(record.host)) void this.readHosts(record.app, state, record.host);
    } else {
      this.routes.delete(subject);
    }
  }

  private miss(subject: string): void {
    if (this.closed) return;
    const now = Date.now();
    const last = this.lookedUp.get(subject);
    if (last !== undefined && now - last < this.lookupIntervalMs) return;
    const named = parseProcessSubject(subject);
    if (!named) return;
    if (this.lookedUp.size >= LOOKUP_MEMORY) {
      for (const [s, at] of this.lookedUp) if (now - at >= this.lookupIntervalMs) this.lookedUp.delete(s);
      if (this.lookedUp.size >= LOOKUP_MEMORY) this.lookedUp.clear();
    }
    this.lookedUp.set(subject, now);
    this.app(named.app);
    this.registry.getProcess(named.app, named.pid).then(
      (record) => {
        if (record && !this.routes.has(subject)) this.learn(record);
      },
      (e: unknown) => this.report(`cannot look up process '${named.pid}' of '${named.app}'`, e),
    );
  }

  /**
   * Reads the application's host records for their addresses because `host` is not known ('' at
   * start), at most once per look-up interval for each: a host seen for the first time is read at
   * once, one that advertises no address is not read again on every request.
   */
  private readHosts(app: string, state: AppState, host: string): Promise<void> {
    const last = state.hostReads.get(host);
    if (last !== undefined && Date.now() - last < this.lookupIntervalMs) return Promise.resolve();
    state.hostReads.set(host, Date.now());
    return this.registry.listHosts(app).then(
      (hosts) => {
        for (const h of hosts) if (h.dataAddress !== undefined) state.hosts.set(h.id, h.dataAddress);
      },
      (e: unknown) => this.report(`cannot read the hosts of '${app}'`, e),
    );
  }

  private report(what: string, e: unknown): void {
    if (this.closed) return;
    const line = `praas direct routes: ${what}: ${e instanceof Error ? e.message : String(e)}`;
    if (this.options.log) this.options.log(line);
    else process.emitWarning(line);
  }
}

import type { Subscription } from '../../transport/transport';
import { InvalidArgumentError } from '../../errors';
import { encodeCursor, pageWalk, type PageWalk } from '../process-pages';
import type {
  AppRecord,
  HostRecord,
  ProcessEvent,
  ProcessPage,
  ProcessPageQuery,
  ProcessRecord,
  Registry,
  RegistryWatchOptions,
  VersionedAppRecord,
  VersionedProcessRecord,
} from '../registry';

/** Options of {@link MemoryRegistry}. */
export interface MemoryRegistryOptions {
  /**
   * How many process deletions are remembered for watches that resume after a revision (default
   * 10 000). A watch resuming from before the oldest one remembered gets a snapshot instead.
   */
  readonly deletionsKept?: number;
}

interface Deletion {
  readonly app: string;
  readonly record: ProcessRecord;
  readonly revision: number;
}

/** The error for an expected revision that cannot be one; undefined when it can. */
function revisionError(expectedRevision: number): InvalidArgumentError | undefined {
  return Number.isSafeInteger(expectedRevision) && expectedRevision >= 0
    ? undefined
    : new InvalidArgumentError(`expectedRevision must be a non-negative integer, got ${String(expectedRevision)}`);
}

type Delivery = (event: ProcessEvent) => void;

/** The registry in memory, for the embedded mode and unit tests. */
export class MemoryRegistry implements Registry {
  private readonly apps = new Map<string, VersionedAppRecord>();
  private readonly processes = new Map<string, Map<string, VersionedProcessRecord>>();
  /** One counter for all application and process writes and deletions, like the sequence of a KV bucket's stream. */
  private revision = 0;
  private readonly hosts = new Map<string, Map<string, HostRecord>>();
  private readonly watchers = new Map<string, Set<Delivery>>();
  /** Recent deletions by `app/pid`, oldest first, for watches that resume after a revision. */
  private readonly deletions = new Map<string, Deletion>();
  private readonly deletionsKept: number;
  /** Watches resuming after a revision below this get a snapshot: a deletion after it was forgotten. */
  private resumableFrom = 0;
  /** Per application, the revision of its last deletion as a whole (which, as in NATS, sends no events). */
  private readonly appsDeletedAt = new Map<string, number>();

  constructor(options: MemoryRegistryOptions = {}) {
    this.deletionsKept = options.deletionsKept ?? 10_000;
    if (!Number.isSafeInteger(this.deletionsKept) || this.deletionsKept < 0)
      throw new InvalidArgumentError(`deletionsKept must be a non-negative integer, got ${String(this.deletionsKept)}`);
  }

  putApp(record: AppRecord): Promise<void> {
    this.apps.set(record.name, { record, revision: ++this.revision });
    return Promise.resolve();
  }
  getApp(name: string): Promise<AppRecord | undefined> {
    return Promise.resolve(this.apps.get(name)?.record);
  }
  getAppVersioned(name: string): Promise<VersionedAppRecord | undefined> {
    return Promise.resolve(this.apps.get(name));
  }
  updateApp(record: AppRecord, expectedRevision: number): Promise<number | undefined> {
    const invalid = revisionError(expectedRevision);
    if (invalid) return Promise.reject(invalid);
    if ((this.apps.get(record.name)?.revision ?? 0) !== expectedRevision) return Promise.resolve(undefined);
    const revision = ++this.revision;
    this.apps.set(record.name, { record, revision });
    return Promise.resolve(revision);
  }
  listApps(): Promise<AppRecord[]> {
    return Promise.resolve([...this.apps.values()].map((v) => v.record));
  }
  deleteApp(name: string): Promise<void> {
    this.apps.delete(name);
    this.processes.delete(name);
    for (const [key, d] of this.deletions) if (d.app === name) this.deletions.delete(key);
    this.appsDeletedAt.set(name, ++this.revision);
    return Promise.resolve();
  }

  private processesOf(app: string): Map<string, VersionedProcessRecord> {
    let m = this.processes.get(app);
    if (!m) this.processes.set(app, (m = new Map<string, VersionedProcessRecord>()));
    return m;
  }

  private emit(app: string, event: ProcessEvent): void {
    for (const w of this.watchers.get(app) ?? []) queueMicrotask(() => w(event));
  }

  putProcess(record: ProcessRecord): Promise<void> {
    this.store(record);
    return Promise.resolve();
  }
  private store(record: ProcessRecord): number {
    const revision = ++this.revision;
    this.processesOf(record.app).set(record.pid, { record, revision });
    this.deletions.delete(`${record.app}/${record.pid}`);
    this.emit(record.app, { type: 'put', record, revision });
    return revision;
  }
  getProcess(app: string, pid: string): Promise<ProcessRecord | undefined> {
    return Promise.resolve(this.processes.get(app)?.get(pid)?.record);
  }
  getProcessVersioned(app: string, pid: string): Promise<VersionedProcessRecord | undefined> {
    return Promise.resolve(this.processes.get(app)?.get(pid));
  }
  updateProcess(record: ProcessRecord, expectedRevision: number): Promise<number | undefined> {
    const invalid = revisionError(expectedRevision);
    if (invalid) return Promise.reject(invalid);
    const current = this.processes.get(record.app)?.get(record.pid)?.revision ?? 0;
    return Promise.resolve(current === expectedRevision ? this.store(record) : undefined);
  }
  listProcesses(app: string): Promise<ProcessRecord[]> {
    return Promise.resolve([...(this.processes.get(app)?.values() ?? [])].map((v) => v.record));
  }
  /** See `Registry.listProcessPage`: records in revision order, after the cursor's revision. */
  async listProcessPage(app: string, query?: ProcessPageQuery): Promise<ProcessPage> {
    const walk: PageWalk = pageWalk(query);
    const after = [...(this.processes.get(app)?.values() ?? [])]
      .filter((v) => v.revision > walk.after)
      .sort((a, b) => a.revision - b.revision);
    const processes: ProcessRecord[] = [];
    let scanned = 0;
    for (const v of after) {
      scanned++;
      if (walk.matches(v.record)) processes.push(v.record);
      if (processes.length === walk.limit || scanned === walk.scan)
        return Promise.resolve(
          scanned < after.length ? { processes, cursor: encodeCursor(v.revision) } : { processes },
        );
    }
    return { processes };
  }
  deleteProcess(app: string, pid: string): Promise<void> {
    const record = this.processes.get(app)?.get(pid)?.record;
    if (record) {
      const revision = ++this.revision;
      this.processes.get(app)?.delete(pid);
      this.remember({ app, record, revision });
      this.emit(app, { type: 'deleted', record, revision });
    }
    return Promise.resolve();
  }

  /** Keeps a deletion for resuming watches, forgetting the oldest beyond the limit. */
  private remember(deletion: Deletion): void {
    const key = `${deletion.app}/${deletion.record.pid}`;
    this.deletions.delete(key);
    this.deletions.set(key, deletion);
    for (const [oldest, d] of this.deletions) {
      if (this.deletions.size <= this.deletionsKept) break;
      this.deletions.delete(oldest);
      this.resumableFrom = Math.max(this.resumableFrom, d.revision);
    }
  }

  watchProcesses(
    app: string,
    listener: (event: ProcessEvent) => void,
    options: RegistryWatchOptions = {},
  ): Promise<Subscription> {
    const replay = options.replay;
    const after = replay === undefined || replay === 'snapshot' ? undefined : replay.afterRevision;
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0))
      return Promise.reject(
        new InvalidArgumentError(`afterRevision must be a non-negative integer, got ${String(after)}`),
      );
    // The replay is queued in this turn, before any later change can be: the watcher sees one ordered history.
    if (replay !== undefined) {
      const resumable =
        after !== undefined &&
        after >= this.resumableFrom &&
        after <= this.revision &&
        after >= (this.appsDeletedAt.get(app) ?? 0);
      const current = [...(this.processes.get(app)?.values() ?? [])];
      const events: ProcessEvent[] = resumable
        ? [
            ...current.filter((v) => v.revision > after).map((v) => ({ type: 'put' as const, ...v })),
            ...[...this.deletions.values()]
              .filter((d) => d.app === app && d.revision > after)
              .map((d) => ({ type: 'deleted' as const, record: d.record, revision: d.revision })),
          ]
        : current.map((v) => ({ type: 'put' as const, ...v }));
      events.sort((a, b) => a.revision - b.revision);
      if (!resumable && options.onSnapshot) queueMicrotask(options.onSnapshot);
      for (const e of events) queueMicrotask(() => listener(e));
      if (options.onSynced) queueMicrotask(options.onSynced);
    }
    let set = this.watchers.get(app);
    if (!set) this.watchers.set(app, (set = new Set()));
    // One wrapper per watch, so one listener watching twice is two watches.
    const delivery: Delivery = (event) => listener(event);
    set.add(delivery);
    return Promise.resolve({
      unsubscribe: () => {
        set.delete(delivery);
        return Promise.resolve();
      },
    });
  }

  putHost(record: HostRecord): Promise<void> {
    let m = this.hosts.get(record.app);
    if (!m) this.hosts.set(record.app, (m = new Map<string, HostRecord>()));
    m.set(record.id, record);
    return Promise.resolve();
  }
  listHosts(app: string): Promise<HostRecord[]> {
    return Promise.resolve([...(this.hosts.get(app)?.values() ?? [])]);
  }
  deleteHost(app: string, id: string): Promise<void> {
    this.hosts.get(app)?.delete(id);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }
}

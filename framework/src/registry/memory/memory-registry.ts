import type { Subscription } from '../../transport/transport';
import { InvalidArgumentError } from '../../errors';
import type {
  AppRecord,
  HostRecord,
  ProcessEvent,
  ProcessRecord,
  Registry,
  VersionedAppRecord,
  VersionedProcessRecord,
} from '../registry';

/** The error for an expected revision that cannot be one; undefined when it can. */
function revisionError(expectedRevision: number): InvalidArgumentError | undefined {
  return Number.isSafeInteger(expectedRevision) && expectedRevision >= 0
    ? undefined
    : new InvalidArgumentError(`expectedRevision must be a non-negative integer, got ${String(expectedRevision)}`);
}

/** The registry in memory, for the embedded mode and unit tests. */
export class MemoryRegistry implements Registry {
  private readonly apps = new Map<string, VersionedAppRecord>();
  private readonly processes = new Map<string, Map<string, VersionedProcessRecord>>();
  /** One counter for all records, like the sequence of a KV bucket's stream. */
  private revision = 0;
  private readonly hosts = new Map<string, Map<string, HostRecord>>();
  private readonly watchers = new Map<string, Set<(event: ProcessEvent) => void>>();

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
    this.emit(record.app, { type: 'put', record });
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
  deleteProcess(app: string, pid: string): Promise<void> {
    const record = this.processes.get(app)?.get(pid)?.record;
    if (record) {
      this.processes.get(app)?.delete(pid);
      this.emit(app, { type: 'deleted', record });
    }
    return Promise.resolve();
  }
  watchProcesses(app: string, listener: (event: ProcessEvent) => void): Promise<Subscription> {
    let set = this.watchers.get(app);
    if (!set) this.watchers.set(app, (set = new Set()));
    set.add(listener);
    return Promise.resolve({
      unsubscribe: () => {
        set.delete(listener);
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

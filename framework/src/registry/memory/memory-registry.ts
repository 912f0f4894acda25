import type { Subscription } from '../../transport/transport';
import type { AppRecord, ClaimResult, HostRecord, ProcessEvent, ProcessRecord, Registry } from '../registry';

/** The registry in memory, for the embedded mode and unit tests. */
export class MemoryRegistry implements Registry {
  private readonly apps = new Map<string, AppRecord>();
  private readonly processes = new Map<string, Map<string, ProcessRecord>>();
  private readonly hosts = new Map<string, Map<string, HostRecord>>();
  private readonly watchers = new Map<string, Set<(event: ProcessEvent) => void>>();

  putApp(record: AppRecord): Promise<void> {
    this.apps.set(record.name, record);
    return Promise.resolve();
  }
  getApp(name: string): Promise<AppRecord | undefined> {
    return Promise.resolve(this.apps.get(name));
  }
  listApps(): Promise<AppRecord[]> {
    return Promise.resolve([...this.apps.values()]);
  }
  deleteApp(name: string): Promise<void> {
    this.apps.delete(name);
    this.processes.delete(name);
    this.hosts.delete(name);
    return Promise.resolve();
  }

  private processesOf(app: string): Map<string, ProcessRecord> {
    let m = this.processes.get(app);
    if (!m) this.processes.set(app, (m = new Map<string, ProcessRecord>()));
    return m;
  }

  private emit(app: string, event: ProcessEvent): void {
    for (const w of this.watchers.get(app) ?? []) queueMicrotask(() => w(event));
  }

  putProcess(record: ProcessRecord): Promise<void> {
    this.processesOf(record.app).set(record.pid, record);
    this.emit(record.app, { type: 'put', record });
    return Promise.resolve();
  }
  getProcess(app: string, pid: string): Promise<ProcessRecord | undefined> {
    return Promise.resolve(this.processes.get(app)?.get(pid));
  }
  listProcesses(app: string): Promise<ProcessRecord[]> {
    return Promise.resolve([...(this.processes.get(app)?.values() ?? [])]);
  }
  deleteProcess(app: string, pid: string): Promise<void> {
    const record = this.processes.get(app)?.get(pid);
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

  claimProcess(
    app: string,
    pid: string,
    host: string,
    heldElsewhere: (record: ProcessRecord) => boolean,
  ): Promise<ClaimResult> {
    const record = this.processes.get(app)?.get(pid);
    if (!record || record.status === 'deleted' || heldElsewhere(record))
      return Promise.resolve({ claimed: false, record });
    const claimed: ProcessRecord = { ...record, status: 'swapping-in', host, updatedAt: Date.now() };
    this.processesOf(app).set(pid, claimed);
    this.emit(app, { type: 'put', record: claimed });
    return Promise.resolve({ claimed: true, record: claimed, previous: record });
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

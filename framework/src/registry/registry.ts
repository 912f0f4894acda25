import type { ProcessStatus } from '../api/context';
import type { Subscription } from '../transport/transport';

export interface AppRecord {
  readonly name: string;
  readonly createdAt: number;
  /** Process classes the application's code defines. */
  readonly processClasses: readonly string[];
  /** Newest deployed code version (1, 2, ...); absent when hosts load their code from a local module. */
  readonly version?: number;
  /** Object key of that version's code bundle (`bundleKey(name, version)`). */
  readonly bundle?: string;
}

export interface ProcessRecord {
  readonly app: string;
  readonly pid: string;
  readonly processClass: string;
  readonly status: ProcessStatus;
  /** Host that holds the process while it is active. */
  readonly host?: string;
  /** Newest committed snapshot generation; 0 before the first swap-out. */
  readonly generation: number;
  /** Deployed code version the process was created with, and swaps back in with; absent for local modules. */
  readonly version?: number;
  readonly updatedAt: number;
}

export interface HostRecord {
  readonly id: string;
  readonly app: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly activeProcesses: number;
  /** The process classes the host can run. */
  readonly processClasses?: readonly string[];
  /** Resident memory of the host's OS process, in bytes, at the heartbeat. */
  readonly memoryBytes?: number;
  /** Above this, the down-scaling policy swaps out least recently used processes (0 or absent: no budget). */
  readonly memoryBudgetBytes?: number;
  /** Data-plane activity of each process hosted there, for the down-scaling policy. */
  readonly processes?: readonly HostProcessActivity[];
  /** `host:port` of the host's direct data plane (DESIGN §5a); absent when it takes traffic over NATS only. */
  readonly dataAddress?: string;
}

export interface HostProcessActivity {
  readonly pid: string;
  /** Last data-plane request (ms since epoch). */
  readonly lastActivity: number;
  /** Calls running or waiting to run. */
  readonly busy: number;
  /** The class's idle timeout; 0 = never swapped for idleness. */
  readonly idleTimeoutMs: number;
}

/** A process record with the revision it was stored under, for a compare-and-set with `updateProcess`. */
export interface VersionedProcessRecord {
  readonly record: ProcessRecord;
  /** Grows with every write of the record; never 0. */
  readonly revision: number;
}

export interface ProcessEvent {
  readonly type: 'put' | 'deleted';
  readonly record: ProcessRecord;
}

/**
 * The registry of applications, processes and runtime hosts (DESIGN §3, §5). The NATS
 * implementation keeps it in JetStream KV; the memory one serves the embedded mode.
 */
export interface Registry {
  putApp(record: AppRecord): Promise<void>;
  getApp(name: string): Promise<AppRecord | undefined>;
  listApps(): Promise<AppRecord[]>;
  deleteApp(name: string): Promise<void>;

  putProcess(record: ProcessRecord): Promise<void>;
  getProcess(app: string, pid: string): Promise<ProcessRecord | undefined>;
  /** The record with its revision; undefined when there is none (never created, or deleted). */
  getProcessVersioned(app: string, pid: string): Promise<VersionedProcessRecord | undefined>;
  /**
   * Compare-and-set: writes `record` only when the stored revision of its process is still
   * `expectedRevision` (0: only when there is no record). Hosts claim a process this way, so two
   * hosts racing to swap it in cannot both win.
   * @returns the new revision, or undefined when another writer came first (nothing was written).
   */
  updateProcess(record: ProcessRecord, expectedRevision: number): Promise<number | undefined>;
  listProcesses(app: string): Promise<ProcessRecord[]>;
  deleteProcess(app: string, pid: string): Promise<void>;
  watchProcesses(app: string, listener: (event: ProcessEvent) => void): Promise<Subscription>;

  putHost(record: HostRecord): Promise<void>;
  listHosts(app: string): Promise<HostRecord[]>;
  deleteHost(app: string, id: string): Promise<void>;

  close(): Promise<void>;
}

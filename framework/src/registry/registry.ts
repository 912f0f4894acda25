import type { ProcessStatus } from '../api/context';
import type { Subscription } from '../transport/transport';

export interface AppRecord {
  readonly name: string;
  readonly createdAt: number;
  /** Process classes the application's code defines. */
  readonly processClasses: readonly string[];
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
  readonly updatedAt: number;
}

export interface HostRecord {
  readonly id: string;
  readonly app: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly activeProcesses: number;
  /** Resident memory of the host's OS process, in bytes, at the heartbeat. */
  readonly memoryBytes?: number;
  /** Above this, the down-scaling policy swaps out least recently used processes (0 or absent: no budget). */
  readonly memoryBudgetBytes?: number;
  /** Data-plane activity of each process hosted there, for the down-scaling policy. */
  readonly processes?: readonly HostProcessActivity[];
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

export interface ClaimResult {
  readonly claimed: boolean;
  readonly record: ProcessRecord | undefined;
  /** The record before a successful claim, to put back when the activation fails. */
  readonly previous?: ProcessRecord;
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
  listProcesses(app: string): Promise<ProcessRecord[]>;
  deleteProcess(app: string, pid: string): Promise<void>;
  watchProcesses(app: string, listener: (event: ProcessEvent) => void): Promise<Subscription>;

  /**
   * Atomically marks the process `swapping-in` on `host`, unless `heldElsewhere(record)` says
   * another host holds it. Two hosts that race to activate one process: exactly one claims it.
   * @returns whether this call claimed it, and the record after the attempt (undefined: no such process).
   */
  claimProcess(
    app: string,
    pid: string,
    host: string,
    heldElsewhere: (record: ProcessRecord) => boolean,
  ): Promise<ClaimResult>;

  putHost(record: HostRecord): Promise<void>;
  listHosts(app: string): Promise<HostRecord[]>;
  deleteHost(app: string, id: string): Promise<void>;

  close(): Promise<void>;
}

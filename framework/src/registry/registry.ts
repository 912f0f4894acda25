import type { ProcessStatus } from '../api/context';
import type { UpgradeError } from '../api/control-plane';
import type { Subscription } from '../transport/transport';

export interface AppRecord {
  readonly name: string;
  /**
   * Random id of this incarnation of the application, new whenever an application of this name is
   * created (again). Code bundles, loaded code and process records are keyed by it, so nothing of a
   * deleted application can be taken for a later one of the same name.
   */
  readonly incarnation: string;
  readonly createdAt: number;
  /** Process classes the application's code defines. */
  readonly processClasses: readonly string[];
  /** Newest deployed code version (1, 2, ...); absent when hosts load their code from a local module. */
  readonly version?: number;
  /** Object key of that version's code bundle (`bundleKey(name, incarnation, version)`). */
  readonly bundle?: string;
  /**
   * Function names of each process class, for routing an invoke without a pid to a class that has
   * the function. A class missing here (records written before this field) may have any function.
   */
  readonly functions?: Readonly<Record<string, readonly string[]>>;
  /**
   * Set when a runtime host started with a module created the application as it registered its
   * classes (the host's id): the first `createApp` of that name takes it over, with its
   * incarnation, instead of answering that it exists. Gone once created or deployed explicitly.
   */
  readonly createdByHost?: string;
  /**
   * Processes on an older code version move to this one the next time they swap in (a deploy with
   * `--upgrade idle` or `rolling` sets it to its version; one with `none` leaves it).
   */
  readonly upgradeTo?: number;
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
  /** The application incarnation (`AppRecord.incarnation`) whose code `version` is; absent for local modules. */
  readonly incarnation?: string;
  /** The state version of the process's class in the code it runs (`@Process({ version })`). */
  readonly stateVersion?: number;
  /** Set when an upgrade to a newer code version failed: the process stays on `version`, and this says why. */
  readonly upgradeError?: UpgradeError;
  readonly updatedAt: number;
}

/**
 * A runtime host's heartbeat record. Its size does not grow with the processes the host holds
 * (DESIGN §6, scale rules): it carries counts and memory, never a list of pids; the host decides
 * its own idle and memory-pressure swap-outs (the `scale-down` control request).
 */
export interface HostRecord {
  readonly id: string;
  readonly app: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  /** Processes the host holds (active, or swapping in or out) at the heartbeat. */
  readonly activeProcesses: number;
  /** The process classes the host can run. */
  readonly processClasses?: readonly string[];
  /** Function names of each of those classes. */
  readonly functions?: Readonly<Record<string, readonly string[]>>;
  /** Resident memory of the host's OS process, in bytes, at the heartbeat. */
  readonly memoryBytes?: number;
  /** Above this, the down-scaling policy swaps out least recently used processes (0 or absent: no budget). */
  readonly memoryBudgetBytes?: number;
  /** `host:port` of the host's direct data plane (DESIGN §5a); absent when it takes traffic over NATS only. */
  readonly dataAddress?: string;
  /**
   * Set while the host cannot load the application's newest deployed code version: the host takes
   * no new processes, placement passes over it, and the gateway shows the reason.
   */
  readonly codeError?: HostCodeError;
}

/** Why a host cannot load a deployed code version. */
export interface HostCodeError {
  readonly version: number;
  readonly message: string;
}

/** What a page of process records holds (`Registry.listProcessPage`). */
export interface ProcessPageQuery {
  /** At most this many records (1 to MAX_PAGE_LIMIT; default DEFAULT_PAGE_LIMIT). */
  readonly limit?: number;
  /** Where the previous page ended (its `cursor`); absent for the first page. */
  readonly cursor?: string;
  /** Only records in this status. */
  readonly status?: ProcessStatus;
  /** Only records of this process class. */
  readonly processClass?: string;
  /** Only records of processes active on this host. */
  readonly host?: string;
}

/** One page of process records. */
export interface ProcessPage {
  readonly processes: ProcessRecord[];
  /**
   * Where the next page starts; absent when the walk is complete. With a filter a page may hold
   * fewer records than the limit, even none, and still have a next one: a page looks at a bounded
   * number of records (`PAGE_SCAN_LIMIT`), matching or not.
   */
  readonly cursor?: string;
}

/** The page size when none is asked for. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The largest page. */
export const MAX_PAGE_LIMIT = 1_000;
/** How many records a page looks at, at most: its cost stays bounded whatever the filter (or the deletions). */
export const PAGE_SCAN_LIMIT = 5_000;

/** An application record with the revision it was stored under, for a compare-and-set with `updateApp`. */
export interface VersionedAppRecord {
  readonly record: AppRecord;
  /** Grows with every write of the record; never 0. */
  readonly revision: number;
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
  /**
   * The registry's revision of this change: it grows with every write and deletion of a process
   * record, over all applications. A watch can resume after it (`replay: { afterRevision }`).
   */
  readonly revision: number;
}

/** What a process watch delivers before the changes made after it started. */
export interface RegistryWatchOptions {
  /**
   * - absent: nothing; only the changes made after the watch is in place (setting it up reads
   *   none of the current records, whatever the size of the application);
   * - `'snapshot'`: first every current record of the application (`put` events, in revision order);
   * - `{ afterRevision }`: first what changed after that revision (the newest record of each
   *   process written since, and `deleted` for each one deleted since, in revision order). When the
   *   registry can no longer tell what changed since then (the revision is older than what it
   *   remembers of deletions, or newer than its own), it replays a snapshot instead.
   */
  readonly replay?: 'snapshot' | { readonly afterRevision: number };
  /** Called in order with the events, before the records of a snapshot: what the watcher knew is void. */
  readonly onSnapshot?: () => void;
  /** Called in order with the events, once the replay is delivered: what follows are live changes (never without a replay). */
  readonly onSynced?: () => void;
}

/**
 * The registry of applications, processes and runtime hosts (DESIGN §3, §5). The NATS
 * implementation keeps it in JetStream KV; the memory one serves the embedded mode.
 */
export interface Registry {
  putApp(record: AppRecord): Promise<void>;
  getApp(name: string): Promise<AppRecord | undefined>;
  /** The record with its revision; undefined when there is none (never created, or deleted). */
  getAppVersioned(name: string): Promise<VersionedAppRecord | undefined>;
  /**
   * Compare-and-set: writes `record` only when the stored revision of its application is still
   * `expectedRevision` (0: only when there is no record). Creating an application, deploying a
   * version and a host registering its classes go through it, so none of them overwrites another,
   * and none brings back an application deleted in between.
   * @returns the new revision, or undefined when another writer came first (nothing was written).
   */
  updateApp(record: AppRecord, expectedRevision: number): Promise<number | undefined>;
  listApps(): Promise<AppRecord[]>;
  /**
   * Removes the application's record and its process records. Host records stay: they are the
   * hosts' own heartbeats, and a host of a static pool keeps running for that name (a new
   * application of the name finds it at once); a record goes when its host stops or its time to
   * live runs out.
   */
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
  /**
   * Every process record of the application at once: O(processes). For a large application use
   * `listProcessPage`.
   */
  listProcesses(app: string): Promise<ProcessRecord[]>;
  /**
   * One page of the application's process records, in the order of their last change, with the
   * cursor of the next page. A walk through the pages returns every record that exists, unchanged,
   * for the whole walk exactly once; a record written during the walk comes (again) with its newer
   * content once the walk gets there; a record deleted during the walk may be missing. A page costs
   * O(limit), or O(PAGE_SCAN_LIMIT) with filters, never O(processes).
   * @throws InvalidArgumentError for a limit out of range or a cursor this registry did not give.
   */
  listProcessPage(app: string, query?: ProcessPageQuery): Promise<ProcessPage>;
  deleteProcess(app: string, pid: string): Promise<void>;
  /**
   * Calls `listener` for the changes of the application's process records, after what `options`
   * asks to replay; resolves once the watch is in place.
   */
  watchProcesses(
    app: string,
    listener: (event: ProcessEvent) => void,
    options?: RegistryWatchOptions,
  ): Promise<Subscription>;

  putHost(record: HostRecord): Promise<void>;
  listHosts(app: string): Promise<HostRecord[]>;
  deleteHost(app: string, id: string): Promise<void>;

  close(): Promise<void>;
}

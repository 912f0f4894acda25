import type { ProcessPageQuery } from '../registry/registry';
import type { ProcessStatus } from './context';

export interface AppInfo {
  readonly name: string;
  readonly processClasses: readonly string[];
  readonly createdAt: number;
  /** Newest deployed code version; absent until the first `praas-framework deploy --gateway`. */
  readonly version?: number;
  /** Live runtime hosts that cannot load the application's code, with the reason; absent when there are none. */
  readonly codeErrors?: readonly CodeLoadFailure[];
  /**
   * The code version processes on older versions move to the next time they swap in (set by a
   * deploy with `--upgrade idle` or `rolling`); absent when every deploy pinned its processes.
   */
  readonly upgradeTo?: number;
  /** In the answer to a deploy: what it did to the application's processes. */
  readonly upgrade?: UpgradeReport;
}

/**
 * How a deploy moves existing processes to its code (DESIGN §6, "Upgrades"):
 * - `none`: processes keep the version they run (new processes get the new one);
 * - `idle`: each process moves the next time it swaps in;
 * - `rolling`: active processes are swapped out in waves and swapped in again at once on the new
 *   code; swapped-out ones move at their next swap-in.
 */
export type UpgradePolicy = 'none' | 'idle' | 'rolling';

/** The upgrade policies, in the order `--upgrade` lists them. */
export const UPGRADE_POLICIES: readonly UpgradePolicy[] = ['none', 'idle', 'rolling'];

/** Options of a deploy. */
export interface DeployOptions {
  /** Default `idle`. */
  readonly upgrade?: UpgradePolicy;
  /** `rolling`: how many processes are swapped out and in at once, at most (default 16). */
  readonly wave?: number;
}

/** Why a process stays on its old code version after an upgrade tried to move it. */
export interface UpgradeError {
  /** The code version it did not move to. */
  readonly version: number;
  /** `MIGRATION_FAILED`, `STATE_VERSION_TOO_NEW`, `CODE_LOAD_FAILED`, ... */
  readonly code: string;
  readonly message: string;
}

/** A process a rolling upgrade could not move. */
export interface UpgradeFailure extends UpgradeError {
  readonly pid: string;
}

/** What a deploy did to existing processes. */
export interface UpgradeReport {
  readonly policy: UpgradePolicy;
  /** `rolling`: active processes swapped in again on the new code. */
  readonly moved: number;
  /** `rolling`: processes that stay on their old version, and why. */
  readonly failed: readonly UpgradeFailure[];
  /** `rolling`: processes that were no longer active when their turn came (they move at their next swap-in). */
  readonly skipped: number;
}

/** How many processes run one code version with one state version (`versions`). */
export interface VersionCount {
  /** Deployed code version; absent for processes of a local module. */
  readonly version?: number;
  /** State version of the process's class at that code version; absent in records from before it was recorded. */
  readonly stateVersion?: number;
  readonly processes: number;
  readonly active: number;
}

/** Which processes of an application run which code and state version (`praas-framework versions`). */
export interface VersionsReport {
  readonly app: string;
  /** The application's newest code version. */
  readonly newest?: number;
  readonly upgradeTo?: number;
  /** Ordered by code version, then state version. */
  readonly counts: readonly VersionCount[];
  /** Processes whose last upgrade failed (at most 100). */
  readonly failed: readonly UpgradeFailure[];
  /** Processes whose last upgrade failed, in all. */
  readonly failedTotal: number;
}

/** A runtime host that cannot load a deployed code version of its application. */
export interface CodeLoadFailure {
  readonly host: string;
  readonly version: number;
  /** What went wrong, e.g. `Cannot find module 'left-pad'`. */
  readonly message: string;
}

export interface ProcessInfo {
  readonly app: string;
  readonly pid: string;
  readonly processClass: string;
  readonly status: ProcessStatus;
  /** Data-plane address: the NATS subject that carries the process's invocations and messages. */
  readonly address: string;
  /** The host that holds the process; set only while it is active. */
  readonly host?: string;
  readonly generation: number;
  /** Deployed code version the process runs; absent when its host loaded a local module. */
  readonly version?: number;
  /** The state version (`@Process({ version })`) of its class at that code version. */
  readonly stateVersion?: number;
  /** Set when an upgrade could not move the process: it runs `version` still, and this says why. */
  readonly upgradeError?: UpgradeError;
}

/**
 * A runtime host as clients see it (the gateway's `GET /v1/apps/{app}/hosts`, gRPC `ListHosts`): its heartbeat's
 * counts and memory, never a list of its processes (the record's size is constant, DESIGN §6).
 */
export interface HostInfo {
  readonly id: string;
  readonly startedAt: number;
  /** Time of its last heartbeat (epoch ms); a host that stops sending them drops out of the list. */
  readonly heartbeatAt: number;
  /** Processes it holds (active, or swapping in or out) at that heartbeat. */
  readonly activeProcesses: number;
  readonly processClasses: readonly string[];
  /** Resident memory of its OS process, in bytes. */
  readonly memoryBytes?: number;
  /** The memory above which it swaps out its least recently used processes; absent when it has none. */
  readonly memoryBudgetBytes?: number;
  /** `host:port` of its direct data plane; absent when it takes traffic over NATS only. */
  readonly dataAddress?: string;
}

/** A change of an application's process membership, as a control-plane watch reports it. */
export interface ProcessWatchEvent {
  /** `put`: the process was created or changed status (or is listed by a snapshot); `deleted`: it is gone. */
  readonly type: 'put' | 'deleted';
  readonly process: ProcessInfo;
  /**
   * The registry revision of the change: a watch started with `afterRevision` set to the revision
   * of the last event it saw resumes right after it (REST: the SSE `id`, sent back as `Last-Event-ID`).
   */
  readonly revision: number;
}

/**
 * Where a membership watch starts. Without `afterRevision` it starts with a snapshot: every
 * current process as a `put` event, between `onSnapshot` and `onSynced`; then the changes follow.
 */
export interface ProcessWatchOptions {
  /**
   * Resume after this revision: first the changes since (the newest state of each process changed,
   * `deleted` for each one deleted), then `onSynced`. When the registry can no longer tell what
   * changed since (the revision is too old, or not one of its own), a fresh snapshot comes instead,
   * announced by `onSnapshot`. 0 means nothing was seen: a snapshot.
   */
  readonly afterRevision?: number;
  /** Called, in order with the events, before a snapshot: forget the processes known so far. */
  readonly onSnapshot?: () => void;
  /** Called, in order with the events, once the snapshot or the changes since `afterRevision` are delivered. */
  readonly onSynced?: () => void;
}

export interface CreateAppOptions {
  /** Process classes of the application; defaults to every class the runtime hosts know. */
  processClasses?: string[];
}

export interface CreateProcessOptions {
  /** Which class to instantiate; may be omitted when the application has exactly one. */
  processClass?: string;
  /** A pid of choice; when it names a swapped-out process, that process is swapped back in. */
  pid?: string;
}

export interface ClientInvokeOptions {
  /** Sticky routing: invoke this process (swapping it in if needed). Without it a process is picked or created. */
  pid?: string;
  /**
   * Without a pid: pick or create a process of this class. Needed when several classes of the
   * application have the function; not allowed together with `pid`.
   */
  processClass?: string;
  key?: string | number;
  timeoutMs?: number;
  /**
   * The invocation's id, chosen by the caller (REST: the `Idempotency-Key` header). A retry with
   * the same key while the process still remembers the first answers with the first's result; and
   * when the process's host dies while the call is in flight, the call goes to the process's new
   * holder instead of failing with HOST_FAILED. The function may then run a second time (the dead
   * host's run was not committed), so it must tolerate that. Same naming rule as a pid.
   */
  idempotencyKey?: string;
}

/** One page of an application's processes (`listProcessPage`). */
export interface ProcessInfoPage {
  readonly processes: ProcessInfo[];
  /** Give it back as `cursor` for the next page; absent on the last page. */
  readonly cursor?: string;
}

/**
 * The control-plane operations of DESIGN §4, as the gateway serves them over REST and gRPC and as
 * the embedded mode offers them in process.
 */
export interface ControlPlaneApi {
  createApp(name: string, options?: CreateAppOptions): Promise<AppInfo>;
  listApps(): Promise<AppInfo[]>;
  getApp(name: string): Promise<AppInfo>;
  deleteApp(name: string): Promise<void>;
  createProcess(app: string, options?: CreateProcessOptions): Promise<ProcessInfo>;
  /** Every process of the application, page after page: O(processes); see `listProcessPage`. */
  listProcesses(app: string): Promise<ProcessInfo[]>;
  /**
   * One page of the application's processes (default 100, at most 1,000), optionally only those in
   * a status, of a class or active on a host; `cursor` from the previous page gives the next. A
   * walk returns each process that exists, unchanged, throughout it exactly once; one changed
   * during the walk may come again with its new status. With a filter a page may be short, even
   * empty, while `cursor` says there is more: a page looks at a bounded number of processes.
   */
  listProcessPage(app: string, query?: ProcessPageQuery): Promise<ProcessInfoPage>;
  getProcess(app: string, pid: string): Promise<ProcessInfo>;
  swapProcess(app: string, pid: string): Promise<ProcessInfo>;
  deleteProcess(app: string, pid: string): Promise<void>;
  invoke<R = unknown>(app: string, fn: string, data?: unknown, options?: ClientInvokeOptions): Promise<R>;
  /** Put a message into a process's mailbox from outside the application. */
  send(app: string, pid: string, key: string | number, data: unknown): Promise<void>;
}

import type {
  DataPlaneClient,
  Logger,
  ProcessDefinition,
  Registry,
  Transport,
  UpgradeError,
} from '@praas/framework/internal';
import type { HostMetrics } from '../metrics/host-metrics';
import type { KnownGeneration, SnapshotRepository } from '../state/snapshot-repository';
import type { StateTypeCheck } from '../state/state-type-check';
import type { HostTimers } from '../timers/process-timers';
import type { FaultOrigin } from './call-scope';
import type { ProcessController } from './process-controller';

/** What a {@link ProcessController} is built from: its identity, its services and its options. */
/** Lets a controller reach other processes on the same host without the transport. */
export interface ProcessDirectory {
  /** The controller of `pid` when it is hosted here, whatever its status. */
  local(pid: string): ProcessController | undefined;
}

export interface ProcessControllerOptions {
  /** How long a swap-out waits for running calls before it gives up (default 10 000 ms). */
  drainTimeoutMs?: number;
  /** Default timeout of `ctx.invoke` (default 30 000 ms). */
  invokeTimeoutMs?: number;
}

export interface ProcessControllerDeps {
  readonly app: string;
  readonly pid: string;
  readonly hostId: string;
  readonly definition: ProcessDefinition;
  readonly transport: Transport;
  readonly registry: Registry;
  readonly snapshots: SnapshotRepository;
  /** Warns about class instances in fields that a swap would turn into plain objects; shared by a host's processes. */
  readonly stateTypes: StateTypeCheck;
  readonly directory: ProcessDirectory;
  readonly dataPlane: DataPlaneClient;
  readonly options?: ProcessControllerOptions;
  /** Deployed code version the definition comes from; recorded in the registry so the process swaps back in with it. */
  readonly codeVersion?: number;
  /** The application incarnation of `codeVersion`; recorded beside it. */
  readonly incarnation?: string;
  /** Why an upgrade could not move the process to newer code; recorded beside `codeVersion`. */
  readonly upgradeError?: UpgradeError;
  /** Where the process logs what an operator should see (failed checkpoints, trims); default: nowhere. */
  readonly logger?: Logger;
  /** Its code raised an error nobody handled (see claimProcessFault); default: logged. */
  readonly onFault?: (controller: ProcessController, error: unknown, origin: FaultOrigin) => void;
  /**
   * What the process starts from: `'fresh'` for a new process, whose pid has no snapshots (nothing
   * is read); or what its registry record says of its snapshots, so the newest is looked up by key;
   * default: the newest snapshot the store lists.
   */
  readonly startFrom?: 'fresh' | KnownGeneration;
  /** The host's metrics the process counts into (default: none). */
  readonly metrics?: HostMetrics;
  /** The host's timers, for `ctx.schedule` (default: none, and the calls fail). */
  readonly timers?: HostTimers;
}

import type { Constructor, Logger, Registry, Transport } from '@praas/framework/internal';
import type { CodeSource } from '../code/code-source';
import type { HostMetrics } from '../metrics/host-metrics';
import type { ProcessControllerOptions } from '../process/process-controller';
import type { SnapshotRepositoryOptions } from '../state/snapshot-repository';
import type { SwapStore } from '../storage/swap-store';
import type { HostTimerOptions } from '../timers/host-timer-service';
import type { DataPlaneOption } from './host-data-plane';

/** How a {@link RuntimeHost} is set up. */
export interface RuntimeHostOptions {
  /** The application this host serves. */
  readonly app: string;
  /** The application's process classes (decorated with `@Process`), from a local module; or give `code`. */
  readonly processes?: readonly Constructor[];
  /**
   * Deployed code instead of `processes`: the host runs the newest version the application record
   * names, looks for a newer one with every heartbeat and loads it beside the others. New
   * processes get the newest version; a process swaps back in with the version it was created with.
   * When the application is deleted and created again (a new incarnation), the code of the old one
   * is dropped. When the newest version cannot be loaded, the host reports why (`codeError`, in its
   * heartbeat) and takes no new processes until a version that loads is deployed.
   */
  readonly code?: CodeSource;
  /**
   * Human-readable lines about loading code versions and registering the application, for a
   * console (default: nowhere). The same events, and everything else, go to `logger` as records.
   */
  readonly log?: (line: string) => void;
  /**
   * Where the host logs (default: nowhere). Its records carry `app` and `host`; failed heartbeats
   * and checkpoints, stale copies dropped by fencing and code that does not load are logged here.
   */
  readonly logger?: Logger;
  readonly transport: Transport;
  readonly registry: Registry;
  readonly store: SwapStore;
  /** Stable id of this host; generated when absent. */
  readonly hostId?: string;
  readonly snapshots?: SnapshotRepositoryOptions;
  readonly controller?: ProcessControllerOptions;
  /** Interval of heartbeats into the registry (default 2 000 ms). */
  readonly heartbeatMs?: number;
  /** Memory this host may use before the down-scaling policy swaps processes out (bytes). */
  readonly memoryBudgetBytes?: number;
  /**
   * A process that the registry shows on another host is left there while that host's last
   * heartbeat is younger than this; older, the host counts as dead and the process is taken over
   * from its last committed snapshot (default 10 000 ms, like the gateway's placement).
   */
  readonly hostStaleMs?: number;
  /** How long an activation waits for another host to finish swapping the process out (default 30 000 ms). */
  readonly claimTimeoutMs?: number;
  /**
   * The data plane between hosts (DESIGN §5a), default `'nats'`. With `'direct'` the host listens on
   * a data port, advertises it in its host record, and reaches processes on other hosts over
   * direct connections, falling back to `transport`.
   */
  readonly dataPlane?: DataPlaneOption;
  /**
   * Where the host counts what it does (default: a new registry labelled with app and host, without
   * Node's process metrics: several hosts may share a Node process, e.g. embedded or in tests).
   */
  readonly metrics?: HostMetrics;
  /** Where the application's timers live, the clock they run by, and how this host fires them (issue 19). */
  readonly timers?: HostTimerOptions;
}

import type {
  AppInfo,
  ControlPlaneApi,
  InspectOptions,
  ProcessInspection,
  ProcessWatchEvent,
  ProcessWatchOptions,
  Subscription,
  HostInfo,
  TimerDetailsPage,
  DeployOptions,
  VersionsReport,
} from '@praas/framework/internal';
import type { TimerListing } from './timer-operations';

/**
 * What the gateway's front ends (REST, gRPC) need from the control plane: the operations of
 * DESIGN §4 plus the membership watch. `ControlPlane` provides it; `MeteredOperations` wraps it.
 */
export interface GatewayOperations extends ControlPlaneApi {
  /** Stores a code bundle as the application's next version (`PUT /v1/apps/{app}/versions`). */
  deployVersion(app: string, bundle: Uint8Array, options?: DeployOptions): Promise<AppInfo>;
  /** Which processes run which code and state version (`GET /v1/apps/{app}/versions`). */
  listVersions(app: string): Promise<VersionsReport>;
  /** A process's state, live or from its newest committed snapshot (`GET /v1/apps/{app}/processes/{pid}/state`). */
  inspectProcess(app: string, pid: string, options?: InspectOptions): Promise<ProcessInspection>;
  /** The application's live runtime hosts with their process counts and memory (`GET /v1/apps/{app}/hosts`). */
  listHosts(app: string): Promise<HostInfo[]>;
  /** A page of the application's durable timers, or of one process's (`GET /v1/apps/{app}[/processes/{pid}]/timers`). */
  listTimers(app: string, listing?: TimerListing): Promise<TimerDetailsPage>;
  /** Cancels a durable timer (`DELETE /v1/apps/{app}/processes/{pid}/timers/{id}`). */
  cancelTimer(app: string, pid: string, id: string): Promise<void>;
  /** Membership changes, after a snapshot or from a resume point (REST event stream, gRPC `WatchProcesses`). */
  watchProcesses(
    app: string,
    listener: (event: ProcessWatchEvent) => void,
    options?: ProcessWatchOptions,
  ): Promise<Subscription>;
}

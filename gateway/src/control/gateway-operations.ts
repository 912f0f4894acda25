import type { AppInfo, ControlPlaneApi, ProcessWatchEvent, ProcessWatchOptions, Subscription } from '@praas/framework';

/**
 * What the gateway's front ends (REST, gRPC) need from the control plane: the operations of
 * DESIGN §4 plus the membership watch. `ControlPlane` provides it; `MeteredOperations` wraps it.
 */
export interface GatewayOperations extends ControlPlaneApi {
  /** Stores a code bundle as the application's next version (`PUT /v1/apps/{app}/versions`). */
  deployVersion(app: string, bundle: Uint8Array): Promise<AppInfo>;
  /** Membership changes, after a snapshot or from a resume point (REST event stream, gRPC `WatchProcesses`). */
  watchProcesses(
    app: string,
    listener: (event: ProcessWatchEvent) => void,
    options?: ProcessWatchOptions,
  ): Promise<Subscription>;
}

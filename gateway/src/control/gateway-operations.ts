import type { ControlPlaneApi, ProcessWatchEvent, Subscription } from '@praas/framework';

/**
 * What the gateway's front ends (REST, gRPC) need from the control plane: the operations of
 * DESIGN §4 plus the membership watch. `ControlPlane` provides it; `MeteredOperations` wraps it.
 */
export interface GatewayOperations extends ControlPlaneApi {
  watchProcesses(app: string, listener: (event: ProcessWatchEvent) => void): Promise<Subscription>;
}

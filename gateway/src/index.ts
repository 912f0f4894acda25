/** @praas/gateway — the control plane: applications, processes, placement and provisioning of runtime hosts. */
import 'reflect-metadata';

export { ControlPlane, type ControlPlaneOptions, type ProcessWatchEvent } from './control/control-plane';
export type { HostProvider } from './provisioning/host-provider';
export { pickLeastLoaded, HOST_STALE_MS } from './placement/least-loaded';

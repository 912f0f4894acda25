import { faultLog, installLastResortHandlers } from '@praas/framework/internal';
import { loadPeer } from '../load-module';

type GatewayModule = typeof import('@praas/gateway');
type RuntimeModule = typeof import('@praas/runtime');

/**
 * `praas-framework gateway [flags]`: the control plane as an OS process on NATS (REST and gRPC).
 * The gateway package is loaded when the command runs (from the project first), not at CLI start.
 */
export function gateway(argv: readonly string[]): Promise<number> {
  const { runGateway, natsBackend } = loadPeer<GatewayModule>('@praas/gateway');
  // As in gateway-main: a long-running service logs a forgotten catch and keeps serving.
  installLastResortHandlers(faultLog('gateway'));
  return runGateway(natsBackend, { argv });
}

/** `praas-framework host [--module m]`: a runtime host as an OS process on NATS. */
export function host(argv: readonly string[]): Promise<number> {
  const { runHost, installHostFaultHandlers } = loadPeer<RuntimeModule>('@praas/runtime');
  // The runtime's own installer, as host-main's: a fault of a user's code restarts its process.
  installHostFaultHandlers();
  return runHost({ argv });
}

import { faultLog } from '../../errors/fault-log';
import { installLastResortHandlers } from '../../errors/last-resort';
import { loadPeer } from '../load-module';

interface GatewayModule {
  natsBackend: unknown;
  runGateway(factory: unknown, options: { argv: readonly string[] }): Promise<number>;
}

interface RuntimeModule {
  runHost(options: { argv: readonly string[] }): Promise<number>;
}

/**
 * `praas-framework gateway [flags]`: the control plane as an OS process on NATS (REST and gRPC).
 * The gateway package is loaded from the project at run time; the framework does not depend on it.
 */
export function gateway(argv: readonly string[]): Promise<number> {
  const { runGateway, natsBackend } = loadPeer<GatewayModule>('@praas/gateway');
  // As in gateway-main: a long-running service logs a forgotten catch and keeps serving.
  installLastResortHandlers(faultLog('gateway'));
  return runGateway(natsBackend, { argv });
}

/** `praas-framework host [--module m]`: a runtime host as an OS process on NATS. */
export function host(argv: readonly string[]): Promise<number> {
  const { runHost } = loadPeer<RuntimeModule>('@praas/runtime');
  installLastResortHandlers(faultLog('host'));
  return runHost({ argv });
}

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
  return runGateway(natsBackend, { argv });
}

/** `praas-framework host [--module m]`: a runtime host as an OS process on NATS. */
export function host(argv: readonly string[]): Promise<number> {
  return loadPeer<RuntimeModule>('@praas/runtime').runHost({ argv });
}

import {
  DirectTransport,
  RegistryRoutes,
  validateName,
  type Registry,
  type Transport,
} from '@praas/framework/internal';

/** The data plane between runtime hosts (DESIGN §5a): direct host-to-host connections, or NATS alone. */
export type DataPlaneKind = 'direct' | 'nats';

/** A host's direct data plane: where it listens and what it advertises. */
export interface DirectDataPlaneOptions {
  readonly kind: 'direct';
  /** TCP port of the data port (default 0: a free port). */
  readonly port?: number;
  /** Interface the data port binds (default `127.0.0.1`). */
  readonly bindHost?: string;
  /** `host` or `host:port` other hosts dial (default the address bound). */
  readonly advertise?: string;
  /** Unanswered requests per connection to a peer before further ones wait (default 1024). */
  readonly maxInFlight?: number;
  /**
   * The application's data-plane secret (DESIGN §8a): peers must prove it in the handshake, and
   * this host proves it to its peers. Without it, a hello naming the application is enough.
   */
  readonly secret?: Uint8Array;
}

/** `'nats'`, `'direct'` (with the defaults), or the direct data plane's options. */
export type DataPlaneOption = DataPlaneKind | DirectDataPlaneOptions;

/** What a host sends and serves through. */
export interface HostDataPlane {
  readonly transport: Transport;
  /** Present for the direct data plane: listen before serving, close when the host stops. */
  readonly direct?: { readonly transport: DirectTransport; readonly routes: RegistryRoutes };
}

/**
 * The host's transport for the data plane chosen: the given transport for NATS; for the direct
 * data plane, a DirectTransport around it (the given transport stays the fallback and the host's
 * owner closes it) that routes by the registry.
 */
export function hostDataPlane(
  option: DataPlaneOption,
  deps: {
    readonly app: string;
    readonly hostId: string;
    readonly transport: Transport;
    readonly registry: Registry;
    readonly log?: (line: string) => void;
  },
): HostDataPlane {
  if (option === 'nats') return { transport: deps.transport };
  const direct: DirectDataPlaneOptions = option === 'direct' ? { kind: 'direct' } : option;
  const routes = new RegistryRoutes(deps.registry, deps.log ? { log: deps.log } : {});
  const transport = new DirectTransport(deps.transport, {
    from: validateName('host id', deps.hostId),
    routes,
    ownsInner: false,
    ...(direct.maxInFlight === undefined ? {} : { maxInFlight: direct.maxInFlight }),
    // A host dials only hosts of its own application: it holds that one secret.
    ...(direct.secret === undefined
      ? {}
      : { secretOf: (app: string) => (app === deps.app ? direct.secret : undefined) }),
    listen: {
      ...(direct.secret === undefined ? {} : { secret: direct.secret }),
      app: deps.app,
      hostId: deps.hostId,
      ...(direct.port === undefined ? {} : { port: direct.port }),
      ...(direct.bindHost === undefined ? {} : { bindHost: direct.bindHost }),
      ...(direct.advertise === undefined ? {} : { advertise: direct.advertise }),
    },
  });
  return { transport, direct: { transport, routes } };
}

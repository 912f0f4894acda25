/** Where a subject is served directly: a host's data-plane address and the application it serves. */
export interface DirectRoute {
  /** `host:port` of the host's direct data plane. */
  readonly address: string;
  /** The application the host serves (the connection's hello names it). */
  readonly app: string;
}

/**
 * The routing table of the direct data plane (DESIGN §5a): which host serves a subject. Looked up
 * once per request, so `lookup` answers from memory and never waits; a miss may start a look-up
 * in the background, and the request takes the fallback path meanwhile.
 */
export interface DirectRoutes {
  /** The direct route of `subject` when it is known now. */
  lookup(subject: string): DirectRoute | undefined;
  /** `address` answered that it does not serve `subject` (the route is stale): forget it. */
  forget(subject: string, address: string): void;
  /** Nothing answers at `address` any more (refused, broke): forget what pointed there. */
  unreachable?(address: string): void;
  /** A transport listening at `route` serves `subject` itself from now on. */
  served?(subject: string, route: DirectRoute): void;
  /** Stops background work (watches). */
  close?(): Promise<void>;
}

/**
 * Routes learned from the transports that serve them, within one OS process: each transport of a
 * test or a benchmark announces what it serves, and every other transport sharing the table dials
 * it. Like a real cache, a route stays after its server stopped serving, until a NOT_HERE answer
 * makes the sender forget it.
 */
export class AnnouncedRoutes implements DirectRoutes {
  private readonly routes = new Map<string, DirectRoute>();

  lookup(subject: string): DirectRoute | undefined {
    return this.routes.get(subject);
  }

  forget(subject: string, address: string): void {
    if (this.routes.get(subject)?.address === address) this.routes.delete(subject);
  }

  unreachable(address: string): void {
    for (const [subject, route] of this.routes) if (route.address === address) this.routes.delete(subject);
  }

  served(subject: string, route: DirectRoute): void {
    this.routes.set(subject, route);
  }
}

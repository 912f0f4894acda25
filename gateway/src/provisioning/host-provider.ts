import type { AppRecord } from '@praas/framework/internal';

/** A process class the application's runtime hosts can run. */
export interface KnownProcessClass {
  readonly name: string;
  /** Its function names; absent when the hosts do not report them. */
  readonly functions?: readonly string[];
}

/**
 * Provides runtime hosts for applications (DESIGN §3). Implementations: in process (embedded
 * mode), spawning host OS processes (dev and tests), or a static pool (docker compose).
 */
export interface HostProvider {
  /** Makes sure at least one host serves the application; resolves once it is registered. */
  ensureHosts(app: AppRecord): Promise<void>;
  /** The application is gone: stop its hosts. */
  releaseHosts(app: string): Promise<void>;
  /**
   * Process classes the application's hosts can run, with their functions: asked after
   * `ensureHosts` for a new application, and when an invocation names a function no class of the
   * application was known to have (the hosts may run newer code than the application record says).
   */
  knownProcessClasses(app: string): Promise<KnownProcessClass[]>;
  close(): Promise<void>;
}

import type { AppRecord } from '@praas/framework';

/**
 * Provides runtime hosts for applications (DESIGN §3). Implementations: in process (embedded
 * mode), spawning host OS processes (dev and tests), or a static pool (docker compose).
 */
export interface HostProvider {
  /** Makes sure at least one host serves the application; resolves once it is registered. */
  ensureHosts(app: AppRecord): Promise<void>;
  /** The application is gone: stop its hosts. */
  releaseHosts(app: string): Promise<void>;
  /** Process classes the application's hosts can run (asked after `ensureHosts` when a new application names none). */
  knownProcessClasses(app: string): Promise<string[]>;
  close(): Promise<void>;
}

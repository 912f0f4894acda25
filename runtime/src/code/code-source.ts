import type { Constructor } from '@praas/framework/internal';

/** One deployed code version of one incarnation of an application. */
export interface CodeVersion {
  /** `AppRecord.incarnation`: which application of that name the version belongs to. */
  readonly incarnation: string;
  readonly version: number;
}

/**
 * Loads the process classes of deployed versions of the application's code: the seam between a
 * runtime host and where its code comes from (`BundleLoader` reads bundles from the object store).
 */
export interface CodeSource {
  load(code: CodeVersion): Promise<readonly Constructor[]>;
  /**
   * Optional: drops whatever is cached of every incarnation but `keep` (all when undefined), e.g.
   * unpacked files; called when the host sees that the application was deleted or created anew.
   */
  retain?(keep: string | undefined): Promise<void>;
  /**
   * Optional: forgets what loading `code` kept in memory (its modules), so it can be collected; the
   * host calls it once no process it holds runs that version. A later `load` loads it afresh.
   */
  unload?(code: CodeVersion): Promise<void>;
}

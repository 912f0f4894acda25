/**
 * Where the gateway keeps deployed code bundles: the object store the runtime hosts swap to, so
 * a host reads a bundle with the same credentials it uses for snapshots.
 */
export interface BundleStore {
  /** Writes the object whole. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (an application incarnation's bundles). */
  deletePrefix(prefix: string): Promise<void>;
  /** Human-readable location, for messages. */
  describe(): string;
}

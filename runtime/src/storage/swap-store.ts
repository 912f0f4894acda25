/**
 * Where snapshots go when a process is swapped out: a flat object store addressed by key
 * (DESIGN §6). Two implementations pass the same contract suite: FsSwapStore (a directory, the
 * embedded default) and S3SwapStore (MinIO or any S3 endpoint).
 */
export interface SwapStore {
  /** Writes an object whole; once resolved, `get` returns exactly these bytes. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** The object's bytes, or undefined when there is no object under `key`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Optional: reads the object straight into `target`, sparing a copy of large chunks. Returns the
   * object's size (only the first `target.byteLength` bytes are written), or undefined when there is
   * no object under `key`.
   */
  readInto?(key: string, target: Uint8Array): Promise<number | undefined>;
  /** Keys that start with `prefix`, in ascending order. */
  list(prefix: string): Promise<string[]>;
  /** Deletes the objects; missing keys are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** Human-readable location, for messages. */
  describe(): string;
}

import type { SwapStore } from '../../storage/swap-store';

/** A store whose next write can be held and then failed: a swap-out whose snapshot commit fails. */
export class StallingStore implements SwapStore {
  private stall: { entered: () => void; released: Promise<void> } | undefined;

  constructor(private readonly inner: SwapStore) {}

  /** Holds the next `put` until `fail` is called, then rejects it; `entered` resolves once it is held. */
  holdNextPut(): { entered: Promise<void>; fail: () => void } {
    let entered!: () => void;
    let fail!: () => void;
    const enteredP = new Promise<void>((resolve) => (entered = resolve));
    this.stall = { entered, released: new Promise<void>((resolve) => (fail = resolve)) };
    return { entered: enteredP, fail };
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const stall = this.stall;
    if (!stall) return this.inner.put(key, data);
    this.stall = undefined;
    stall.entered();
    await stall.released;
    throw new Error('store unavailable (test fault)');
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }
  describe(): string {
    return `stalling ${this.inner.describe()}`;
  }
}

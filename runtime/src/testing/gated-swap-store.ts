import type { SwapStore } from '../storage/swap-store';

type GatedOp = 'put' | 'get';

interface Gate {
  readonly opened: Promise<void>;
  readonly reached: () => void;
  readonly once: boolean;
  readonly fail: boolean;
}

/** How {@link GatedSwapStore.hold} holds the calls. */
export interface HoldOptions {
  /** Only the next call is held; later ones go straight through (default: every call until released). */
  readonly once?: boolean;
  /** Held calls reject when released, as an unreachable store would (default: they go on to the store). */
  readonly fail?: boolean;
}

/**
 * A swap store whose writes or reads can be held, to catch a swap in the middle, and failed, to
 * make a snapshot commit fail. Everything not held goes straight to the inner store.
 * @example
 * ```ts
 * const store = new GatedSwapStore(new FsSwapStore(dir));
 * const writes = store.hold('put', { once: true, fail: true });
 * const swap = host.swapOut(pid);
 * await writes.reached; // the swap-out is writing its snapshot now
 * writes.release(); // and the write fails
 * ```
 */
export class GatedSwapStore implements SwapStore {
  private readonly gates: Partial<Record<GatedOp, Gate>> = {};
  private readonly releases: (() => void)[] = [];

  constructor(private readonly inner: SwapStore) {}

  /** Holds calls of `op` until `release`; `reached` resolves when the first one waits. */
  hold(op: GatedOp, options: HoldOptions = {}): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const opened = new Promise<void>((resolve) => (release = resolve));
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const gate: Gate = { opened, reached, once: options.once ?? false, fail: options.fail ?? false };
    this.gates[op] = gate;
    const open = (): void => {
      if (this.gates[op] === gate) delete this.gates[op];
      release();
    };
    this.releases.push(open);
    return { reached: reachedPromise, release: open };
  }

  /** Releases every hold. */
  releaseAll(): void {
    this.releases.splice(0).forEach((r) => r());
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    await this.pass('put');
    return this.inner.put(key, data);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    await this.pass('get');
    return this.inner.get(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }
  describe(): string {
    return `gated ${this.inner.describe()}`;
  }

  private async pass(op: GatedOp): Promise<void> {
    const gate = this.gates[op];
    if (!gate) return;
    if (gate.once) delete this.gates[op];
    gate.reached();
    await gate.opened;
    if (gate.fail) throw new Error('store unavailable (test fault)');
  }
}

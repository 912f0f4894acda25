import { assertEncodable, validateName, type StateMap } from '@praas/framework/internal';

/**
 * The dynamic keyed state of a process (`ctx.state`). Values are checked to be encodable when set,
 * so a bad value fails at the call that stored it, naming its key, not later at swap-out.
 */
export class KeyedState implements StateMap {
  private readonly values = new Map<string, unknown>();

  get<T = unknown>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    validateName('state key', key);
    assertEncodable(value, `state key '${key}'`);
    this.values.set(key, value);
  }

  delete(key: string): boolean {
    return this.values.delete(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  keys(): string[] {
    return [...this.values.keys()];
  }

  entries(): [string, unknown][] {
    return [...this.values.entries()];
  }

  /** Restores a value read from a snapshot (already checked when it was set). */
  restore(key: string, value: unknown): void {
    this.values.set(key, value);
  }
}

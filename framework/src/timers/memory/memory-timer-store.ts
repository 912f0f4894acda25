import { InvalidArgumentError } from '../../errors';
import { SlottedTimerStore, type TimerStoreOptions } from '../slotted-timer-store';
import type { TimerKv, TimerKvEntry } from '../timer-kv';

interface Node {
  entry?: { value: string; revision: number };
  readonly children: Map<string, Node>;
}

/**
 * The key-value store of {@link MemoryTimerStore}: a tree of key tokens, so a listing walks only
 * the keys under its prefix (one due slot, one process), as a JetStream subject filter does.
 * Values are kept as JSON text, so a reader never shares an object with a writer.
 */
export class MemoryTimerKv implements TimerKv {
  private readonly root: Node = { children: new Map() };
  private revision = 0;

  get(key: string): Promise<TimerKvEntry | undefined> {
    const entry = this.node(key, false)?.entry;
    return Promise.resolve(entry && { key, value: JSON.parse(entry.value) as unknown, revision: entry.revision });
  }
  put(key: string, value: object): Promise<number> {
    const node = this.node(key, true)!;
    node.entry = { value: JSON.stringify(value), revision: ++this.revision };
    return Promise.resolve(this.revision);
  }
  compareAndSet(key: string, value: object, expectedRevision: number): Promise<number | undefined> {
    if ((this.node(key, false)?.entry?.revision ?? 0) !== expectedRevision) return Promise.resolve(undefined);
    return this.put(key, value);
  }
  delete(key: string, expectedRevision?: number): Promise<boolean> {
    const path: Node[] = [this.root];
    for (const token of key.split('.')) {
      const child = path[path.length - 1]!.children.get(token);
      if (child === undefined) return Promise.resolve(expectedRevision === undefined);
      path.push(child);
    }
    const node = path[path.length - 1]!;
    if (expectedRevision !== undefined && node.entry?.revision !== expectedRevision) return Promise.resolve(false);
    delete node.entry;
    // Prune the branch it leaves empty, so passed due slots do not pile up.
    const tokens = key.split('.');
    for (let i = path.length - 1; i > 0 && path[i]!.entry === undefined && path[i]!.children.size === 0; i--) {
      path[i - 1]!.children.delete(tokens[i - 1]!);
    }
    return Promise.resolve(true);
  }
  entries(filter: string): Promise<TimerKvEntry[]> {
    if (!filter.endsWith('.>')) throw new InvalidArgumentError(`a filter ends in '.>', got ${JSON.stringify(filter)}`);
    const prefix = filter.slice(0, -2);
    const out: TimerKvEntry[] = [];
    const walk = (node: Node, key: string): void => {
      if (node.entry && key !== prefix) {
        out.push({ key, value: JSON.parse(node.entry.value) as unknown, revision: node.entry.revision });
      }
      for (const [token, child] of node.children) walk(child, `${key}.${token}`);
    };
    const start = this.node(prefix, false);
    if (start !== undefined) walk(start, prefix);
    return Promise.resolve(out);
  }
  forget(keyOrFilter: string): Promise<void> {
    // A deleted key leaves nothing here, and a key with a value stays.
    if (!keyOrFilter.endsWith('.>')) return Promise.resolve();
    const tokens = keyOrFilter.split('.').slice(0, -1);
    const parent = this.node(tokens.slice(0, -1).join('.'), false);
    parent?.children.delete(tokens[tokens.length - 1]!);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  private node(key: string, create: boolean): Node | undefined {
    let node = this.root;
    for (const token of key.split('.')) {
      let child = node.children.get(token);
      if (child === undefined) {
        if (!create) return undefined;
        child = { children: new Map() };
        node.children.set(token, child);
      }
      node = child;
    }
    return node;
  }
}

/**
 * The timer store in memory, for the embedded mode and unit tests: the same slotted due index and
 * compare-and-set protocol as {@link NatsKvTimerStore}, over an in-memory key-value tree.
 * Clients that should see the same timers share one instance.
 */
export class MemoryTimerStore extends SlottedTimerStore {
  constructor(options: TimerStoreOptions = {}) {
    super(new MemoryTimerKv(), options);
  }
}

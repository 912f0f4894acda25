import { InvalidArgumentError } from '../../errors';
import { SlottedTimerStore, type TimerStoreOptions } from '../slotted-timer-store';
import type { TimerKv, TimerKvEntry } from '../timer-kv';
import type { TimerKvPage } from '../timer-pages';

interface Node {
  entry?: { value: string; revision: number };
  readonly children: Map<string, Node>;
}

/**
 * The keys under one two-token prefix (`t.<app>`, `d.<app>`) in the order of their writes, so a
 * page starts at its cursor by a binary search and reads on from there, as a JetStream consumer
 * does from a stream sequence. Entries of keys written again or deleted since are left in place
 * and skipped, until they are half the log and it is compacted (amortised O(1) a write).
 */
class WriteLog {
  private revisions: number[] = [];
  private keys: string[] = [];
  /** Each live key's last revision. */
  private readonly live = new Map<string, number>();

  written(key: string, revision: number): void {
    this.live.set(key, revision);
    this.revisions.push(revision);
    this.keys.push(key);
    if (this.keys.length > 64 && this.keys.length > 2 * this.live.size) this.compact();
  }
  removed(key: string): void {
    this.live.delete(key);
  }
  page(prefix: string, after: number, limit: number, scan: number): { keys: string[]; last: number; more: boolean } {
    let lo = 0;
    let hi = this.revisions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.revisions[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    const keys: string[] = [];
    let last = after;
    let i = lo;
    for (let scanned = 0; i < this.keys.length && keys.length < limit && scanned < scan; i++, scanned++) {
      const key = this.keys[i]!;
      last = this.revisions[i]!;
      if (this.live.get(key) === last && key.startsWith(prefix)) keys.push(key);
    }
    return { keys, last, more: i < this.keys.length };
  }
  private compact(): void {
    const keep = this.keys.map((k, i) => this.live.get(k) === this.revisions[i]);
    this.keys = this.keys.filter((_, i) => keep[i]);
    this.revisions = this.revisions.filter((_, i) => keep[i]);
  }
}

/** The write log of a key or filter: its first two tokens. */
function logName(key: string): string {
  const [first, second] = key.split('.');
  if (first === undefined || second === undefined || second === '>')
    throw new InvalidArgumentError(`a paged key or filter has two tokens before any '>', got ${JSON.stringify(key)}`);
  return `${first}.${second}`;
}

/**
 * The key-value store of {@link MemoryTimerStore}: a tree of key tokens, so a listing walks only
 * the keys under its prefix (one due slot, one process), as a JetStream subject filter does.
 * Values are kept as JSON text, so a reader never shares an object with a writer.
 */
export class MemoryTimerKv implements TimerKv {
  private readonly root: Node = { children: new Map() };
  private readonly logs = new Map<string, WriteLog>();
  private revision = 0;

  get(key: string): Promise<TimerKvEntry | undefined> {
    const entry = this.node(key, false)?.entry;
    return Promise.resolve(entry && { key, value: JSON.parse(entry.value) as unknown, revision: entry.revision });
  }
  put(key: string, value: object): Promise<number> {
    const node = this.node(key, true)!;
    node.entry = { value: JSON.stringify(value), revision: ++this.revision };
    this.log(key)?.written(key, this.revision);
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
    if (node.entry !== undefined) this.log(key)?.removed(key);
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
    const gone = parent?.children.get(tokens[tokens.length - 1]!);
    if (gone === undefined) return Promise.resolve();
    const removed = (node: Node, key: string): void => {
      if (node.entry !== undefined) this.log(key)?.removed(key);
      for (const [token, child] of node.children) removed(child, `${key}.${token}`);
    };
    removed(gone, tokens.join('.'));
    parent!.children.delete(tokens[tokens.length - 1]!);
    return Promise.resolve();
  }
  /**
   * A page in write order: under a two-token prefix (an application's timers) from its write log,
   * O(log writes + entries looked at); under a longer one (one process's timers) from the keys
   * under it, sorted, O(k log k) for its k keys, so it never looks at the rest of the application.
   */
  page(filter: string, after: number, limit: number, scan: number): Promise<TimerKvPage> {
    if (!filter.endsWith('.>')) throw new InvalidArgumentError(`a filter ends in '.>', got ${JSON.stringify(filter)}`);
    if (filter.split('.').length > 3) return this.subtreePage(filter, after, limit);
    const log = this.logs.get(logName(filter));
    if (log === undefined) return Promise.resolve({ entries: [], last: after, more: false });
    const { keys, last, more } = log.page(filter.slice(0, -1), after, limit, scan);
    const entries = keys.map((key) => {
      const entry = this.node(key, false)!.entry!;
      return { key, value: JSON.parse(entry.value) as unknown, revision: entry.revision };
    });
    return Promise.resolve({ entries, last, more });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async subtreePage(filter: string, after: number, limit: number): Promise<TimerKvPage> {
    const later = (await this.entries(filter))
      .filter((e) => e.revision > after)
      .sort((a, b) => a.revision - b.revision);
    const entries = later.slice(0, limit);
    return { entries, last: entries.at(-1)?.revision ?? after, more: later.length > limit };
  }

  /** The write log of the key's prefix; undefined for a one-token key (none is paged). */
  private log(key: string): WriteLog | undefined {
    if (!key.includes('.')) return undefined;
    const name = logName(key);
    let log = this.logs.get(name);
    if (log === undefined) this.logs.set(name, (log = new WriteLog()));
    return log;
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

import { InvalidArgumentError } from '../errors';
import { newId } from '../wire/ids';
import { validateName } from '../wire/names';
import type { TimerKv, TimerKvEntry } from './timer-kv';
import {
  encodeTimerCursor,
  TIMER_PAGE_SCAN_LIMIT,
  timerPageWalk,
  type TimerPage,
  type TimerPageQuery,
} from './timer-pages';
import type { TimerRecord, TimerStore, VersionedTimer } from './timer-store';

/** Options of the timer stores. */
export interface TimerStoreOptions {
  /** Width of one due-index slot (default 5 000 ms): a firer reads one slot per listing. */
  readonly slotMs?: number;
  /**
   * How long an index entry whose timer is missing or due at another time is left alone before it
   * is removed as stale (default 60 000 ms): longer than any write in flight takes.
   */
  readonly staleAfterMs?: number;
  /** The clock (default Date.now): leases, staleness and how far the cursor may advance. */
  readonly now?: () => number;
}

/** A timer's id: its scheduling key when it has one (so the same key replaces), else a new unique id. */
export function timerIdFor(key?: string): string {
  return key === undefined ? newId() : validateName('timer key', key);
}

interface StoredTimer extends Omit<TimerRecord, 'data'> {
  readonly data: string;
}
interface IndexEntry {
  readonly dueAt: number;
  /** When the entry was written, to judge staleness. */
  readonly at: number;
}
interface Cursor {
  readonly slot: number;
}

/*
 * Every key is built here. Names never contain '.', so '.' separates tokens:
 *   t.<app>.<pid>.<id>          the timer record
 *   d.<app>.<slot>.<pid>.<id>   its due-index entry, slot = floor(dueAt / slotMs)
 *   c.<app>                     the application's cursor: no index entry lies in a slot below it
 */
const timerKey = (app: string, pid: string, id: string): string =>
  `t.${validateName('application', app)}.${validateName('pid', pid)}.${validateName('timer id', id)}`;
const timersOf = (app: string, pid: string): string =>
  `t.${validateName('application', app)}.${validateName('pid', pid)}.>`;
const timersOfApp = (app: string): string => `t.${validateName('application', app)}.>`;
const indexKey = (app: string, slot: number, pid: string, id: string): string => `d.${app}.${slot}.${pid}.${id}`;
const slotFilter = (app: string, slot: number): string => `d.${app}.${slot}.>`;
const cursorKey = (app: string): string => `c.${validateName('application', app)}`;

const toStored = (t: TimerRecord): StoredTimer => ({ ...t, data: Buffer.from(t.data).toString('base64') });
const fromStored = (s: StoredTimer): TimerRecord => ({ ...s, data: new Uint8Array(Buffer.from(s.data, 'base64')) });

/**
 * The timer store's protocol over a key-value store (the in-memory one and JetStream KV share it).
 *
 * The due index files each timer under the slot of its due time, so `due` lists the slots from the
 * application's cursor to the slot of `until`, never the timers due later. The cursor only moves
 * past slots found empty, and never past the present, so an entry written into a slot below it (a
 * timer due in the past) is moved up to it: by its writer, who reads the cursor again after
 * writing, or by the reader that moved the cursor, who lists the slots it passed once more after
 * moving it. Whichever of the two comes second sees the other's write.
 *
 * Records are written after their index entry and removed before it, so a crash leaves at worst
 * an entry without a timer (or due at another time), which `due` skips and removes once stale.
 */
export class SlottedTimerStore implements TimerStore {
  private readonly slotMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly kv: TimerKv,
    options: TimerStoreOptions = {},
  ) {
    this.slotMs = options.slotMs ?? 5_000;
    if (!Number.isSafeInteger(this.slotMs) || this.slotMs < 1) {
      throw new InvalidArgumentError(`slotMs must be a positive integer, got ${String(options.slotMs)}`);
    }
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    if (!Number.isSafeInteger(this.staleAfterMs) || this.staleAfterMs < 0) {
      throw new InvalidArgumentError(
        `staleAfterMs must be a non-negative integer, got ${String(options.staleAfterMs)}`,
      );
    }
    this.now = options.now ?? Date.now;
  }

  async put(timer: TimerRecord): Promise<number> {
    const key = timerKey(timer.app, timer.pid, timer.id);
    validateTimer(timer);
    const old = await this.kv.get(key);
    await this.index(timer);
    const revision = await this.kv.put(key, toStored(timer));
    if (old !== undefined) await this.unindex(old.value as StoredTimer, timer.dueAt);
    return revision;
  }

  async get(app: string, pid: string, id: string): Promise<VersionedTimer | undefined> {
    const entry = await this.kv.get(timerKey(app, pid, id));
    return entry === undefined ? undefined : versioned(entry);
  }

  async update(timer: TimerRecord, expectedRevision: number): Promise<number | undefined> {
    const key = timerKey(timer.app, timer.pid, timer.id);
    validateTimer(timer);
    if (!Number.isSafeInteger(expectedRevision) || expectedRevision < 1) {
      throw new InvalidArgumentError(`expectedRevision must be a positive integer, got ${String(expectedRevision)}`);
    }
    const old = await this.kv.get(key);
    if (old?.revision !== expectedRevision) return undefined;
    const oldDueAt = (old.value as StoredTimer).dueAt;
    if (oldDueAt !== timer.dueAt) await this.index(timer);
    const revision = await this.kv.compareAndSet(key, toStored(timer), expectedRevision);
    // A lost race leaves the new index entry to the stale sweep: a concurrent writer may have made it valid.
    if (revision !== undefined) await this.unindex(old.value as StoredTimer, timer.dueAt);
    return revision;
  }

  async delete(app: string, pid: string, id: string, expectedRevision?: number): Promise<boolean> {
    const key = timerKey(app, pid, id);
    const old = await this.kv.get(key);
    if (old === undefined) return false;
    if (expectedRevision !== undefined && old.revision !== expectedRevision) return false;
    if (!(await this.kv.delete(key, old.revision))) return false;
    // The conditional delete decided; the deletion marker it left goes, so deleted timers leave no trace.
    await this.kv.forget(key);
    await this.unindex(old.value as StoredTimer);
    return true;
  }

  async list(app: string, pid: string): Promise<TimerRecord[]> {
    return (await this.kv.entries(timersOf(app, pid))).map((e) => fromStored(e.value as StoredTimer));
  }

  /** See `TimerStore.listPage`: the records' keys in the order of their last writes, as the KV pages them. */
  async listPage(app: string, query?: TimerPageQuery): Promise<TimerPage> {
    const walk = timerPageWalk(query);
    const filter = walk.pid === undefined ? timersOfApp(app) : timersOf(app, walk.pid);
    const page = await this.kv.page(filter, walk.after, walk.limit, TIMER_PAGE_SCAN_LIMIT);
    return {
      timers: page.entries.map((e) => fromStored(e.value as StoredTimer)),
      ...(page.more ? { cursor: encodeTimerCursor(page.last) } : {}),
    };
  }

  async due(app: string, until: number, limit: number): Promise<VersionedTimer[]> {
    validateName('application', app);
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}`);
    }
    const cursor = await this.kv.get(cursorKey(app));
    if (cursor === undefined) return [];
    const from = (cursor.value as Cursor).slot;
    const last = this.slotOf(until);
    const found = new Map<string, VersionedTimer>();
    let firstNonEmpty: number | undefined;
    for (let slot = from; slot <= last && found.size < limit; slot++) {
      const entries = await this.kv.entries(slotFilter(app, slot));
      if (entries.length > 0) firstNonEmpty ??= slot;
      for (const entry of entries) {
        const timer = await this.validEntry(entry);
        if (timer === undefined || timer.timer.dueAt > until) continue;
        const lease = timer.timer.lease;
        if (lease !== undefined && lease.until > this.now()) continue;
        found.set(`${timer.timer.pid}.${timer.timer.id}`, timer);
      }
    }
    await this.advance(app, cursor.revision, from, Math.min(firstNonEmpty ?? last + 1, this.slotOf(this.now())));
    return [...found.values()].sort((a, b) => a.timer.dueAt - b.timer.dueAt).slice(0, limit);
  }

  async claim(
    app: string,
    pid: string,
    id: string,
    expectedRevision: number,
    lease: { owner: string; leaseMs: number },
  ): Promise<VersionedTimer | undefined> {
    if (typeof lease.owner !== 'string' || lease.owner === '') {
      throw new InvalidArgumentError(`a lease needs an owner, got ${JSON.stringify(lease.owner)}`);
    }
    if (!Number.isSafeInteger(lease.leaseMs) || lease.leaseMs < 1) {
      throw new InvalidArgumentError(`leaseMs must be a positive integer, got ${String(lease.leaseMs)}`);
    }
    const current = await this.get(app, pid, id);
    if (current?.revision !== expectedRevision) return undefined;
    const claimed: TimerRecord = {
      ...current.timer,
      attempt: current.timer.attempt + 1,
      lease: { owner: lease.owner, until: this.now() + lease.leaseMs },
    };
    const revision = await this.kv.compareAndSet(timerKey(app, pid, id), toStored(claimed), expectedRevision);
    return revision === undefined ? undefined : { timer: claimed, revision };
  }

  close(): Promise<void> {
    return this.kv.close();
  }

  private slotOf(time: number): number {
    return Math.floor(time / this.slotMs);
  }

  /** Files the timer in the due index: in its slot, or the cursor's when that is later. */
  private async index(timer: TimerRecord): Promise<void> {
    const value: IndexEntry = { dueAt: timer.dueAt, at: this.now() };
    let cursor = await this.cursorSlot(timer.app, timer.dueAt);
    let slot = Math.max(this.slotOf(timer.dueAt), cursor);
    await this.kv.put(indexKey(timer.app, slot, timer.pid, timer.id), value);
    // A reader may have moved the cursor past the slot meanwhile: follow it until it stays behind.
    while ((cursor = await this.cursorSlot(timer.app, timer.dueAt)) > slot) {
      await this.kv.put(indexKey(timer.app, cursor, timer.pid, timer.id), value);
      await this.kv.delete(indexKey(timer.app, slot, timer.pid, timer.id));
      slot = cursor;
    }
  }

  /** Removes the index entry of a timer's old due time, unless it is the entry of `keptDueAt`. */
  private async unindex(old: StoredTimer, keptDueAt?: number): Promise<void> {
    if (keptDueAt !== undefined && this.slotOf(keptDueAt) === this.slotOf(old.dueAt)) return;
    await this.kv.delete(indexKey(old.app, this.slotOf(old.dueAt), old.pid, old.id));
  }

  /** The application's cursor, created (at the slot of `dueAt` or of the present, the earlier) when missing. */
  private async cursorSlot(app: string, dueAt: number): Promise<number> {
    for (;;) {
      const cursor = await this.kv.get(cursorKey(app));
      if (cursor !== undefined) return (cursor.value as Cursor).slot;
      const slot = Math.min(this.slotOf(dueAt), this.slotOf(this.now()));
      if ((await this.kv.compareAndSet(cursorKey(app), { slot } satisfies Cursor, 0)) !== undefined) return slot;
    }
  }

  /**
   * Moves the cursor from `from` to `to` over slots found empty; then lists them again, moves up
   * what a writer put there before it saw the new cursor, and forgets the passed slots, so the
   * deletion markers of fired timers' entries do not pile up in the bucket.
   */
  private async advance(app: string, revision: number, from: number, to: number): Promise<void> {
    if (to <= from) return;
    if ((await this.kv.compareAndSet(cursorKey(app), { slot: to } satisfies Cursor, revision)) === undefined) return;
    for (let slot = from; slot < to; slot++) {
      for (const entry of await this.kv.entries(slotFilter(app, slot))) {
        const [, , , pid, id] = entry.key.split('.') as [string, string, string, string, string];
        await this.kv.put(indexKey(app, to, pid, id), entry.value as IndexEntry);
        await this.kv.delete(entry.key);
      }
      await this.kv.forget(slotFilter(app, slot));
    }
  }

  /** The timer an index entry stands for, or undefined (removing the entry once it is stale). */
  private async validEntry(entry: TimerKvEntry): Promise<VersionedTimer | undefined> {
    const [, app, , pid, id] = entry.key.split('.') as [string, string, string, string, string];
    const index = entry.value as IndexEntry;
    const timer = await this.get(app, pid, id);
    if (timer !== undefined && timer.timer.dueAt === index.dueAt) return timer;
    if (index.at + this.staleAfterMs <= this.now()) await this.kv.delete(entry.key, entry.revision);
    return undefined;
  }
}

function versioned(entry: TimerKvEntry): VersionedTimer {
  return { timer: fromStored(entry.value as StoredTimer), revision: entry.revision };
}

function validateTimer(t: TimerRecord): void {
  validateName('function', t.fn);
  if (!(t.data instanceof Uint8Array)) throw new InvalidArgumentError(`a timer's data must be a Uint8Array`);
  for (const [name, value] of [
    ['dueAt', t.dueAt],
    ['createdAt', t.createdAt],
    ['attempt', t.attempt],
    ...(t.scheduledAt === undefined ? [] : ([['scheduledAt', t.scheduledAt]] as const)),
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidArgumentError(`a timer's ${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
}

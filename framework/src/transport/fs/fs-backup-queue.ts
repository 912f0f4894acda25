import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { DecodeError, InvalidArgumentError } from '../../errors';
import { decodeWire, encodeWire } from '../../wire/envelope';
import { validateName } from '../../wire/names';
import type { BackupEntry, BackupQueue, Subscription } from '../transport';

export interface FsBackupQueueOptions {
  /** How long a message id is remembered to drop a retried append (default 10 minutes, as on JetStream). */
  readonly duplicateWindowMs?: number;
  /**
   * Flush every append to the disk (fdatasync) before acknowledging it, so that it survives a
   * power loss too (default false: an acknowledged append is in the operating system's hands and
   * survives a crash or restart of the Node.js process, as on a JetStream file store, whose
   * default also leaves flushing to the operating system).
   */
  readonly sync?: boolean;
}

/** The first record of a queue file: what trimmed entries leave behind. */
interface HeaderRecord {
  readonly h: 1;
  /** The sequence number the next append gets: it never goes back, also when every entry was trimmed. */
  readonly next: number;
  /** Ids of trimmed entries still inside the duplicate window, with the time they were appended. */
  readonly ids: [string, number][];
}

interface EntryRecord {
  readonly s: number;
  readonly i: string;
  /** Append time, for the duplicate window after a restart. */
  readonly t: number;
  readonly d: Uint8Array;
}

interface QueueState {
  readonly file: string;
  entries: (BackupEntry & { readonly id: string; readonly at: number })[];
  nextSeq: number;
  /** Ids seen within the duplicate window, in append order, with their append time. */
  readonly seen: Map<string, number>;
}

/** Frame: `[u32 payload length][u32 crc32 of payload][payload]`, the payload a wire-encoded record. */
const FRAME_HEADER = 8;

function frame(record: HeaderRecord | EntryRecord): Buffer {
  const payload = encodeWire(record);
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.byteLength);
  out.writeUInt32BE(payload.byteLength, 0);
  out.writeUInt32BE(crc32(payload), 4);
  out.set(payload, FRAME_HEADER);
  return out;
}

/**
 * The backup queue on a local directory (DESIGN §5), for the embedded mode: traffic for a
 * swapped-out process outlives a restart of the stack, like the JetStream stream does on a
 * cluster. One append-only file per process, `<root>/<app>/<pid>.queue`; an append resolves once
 * its record is written to the file (and flushed to the disk with `sync`). A trim rewrites the file (to a temporary name, then
 * renamed), keeping the next sequence number and the recent message ids, so that sequence numbers
 * only grow, as a snapshot's backup cursor relies on, and a retried append is dropped across
 * restarts too. A record torn by a crash at the end of a file is cut off when the file is read.
 *
 * One instance owns its directory: two stacks must not share one at the same time.
 */
export class FsBackupQueue implements BackupQueue {
  private readonly queues = new Map<string, Promise<QueueState>>();
  /** Operations on one queue run one after another, so the file sees appends in sequence order. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly duplicateWindowMs: number;
  private readonly sync: boolean;

  constructor(
    readonly root: string,
    options: FsBackupQueueOptions = {},
  ) {
    this.duplicateWindowMs = options.duplicateWindowMs ?? 10 * 60_000;
    this.sync = options.sync ?? false;
  }

  async append(app: string, pid: string, id: string, data: Uint8Array): Promise<void> {
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidArgumentError(`a backup-queue entry for '${pid}' needs a non-empty message id`, { app, pid });
    }
    return this.locked(app, pid, async (q) => {
      const now = Date.now();
      this.forgetOldIds(q, now);
      if (q.seen.has(id)) return;
      const record: EntryRecord = { s: q.nextSeq, i: id, t: now, d: data };
      const file = await open(q.file, 'a');
      try {
        await file.write(frame(record));
        if (this.sync) await file.datasync();
      } finally {
        await file.close();
      }
      q.nextSeq++;
      q.seen.set(id, now);
      q.entries.push({ seq: record.s, data, id, at: now });
      for (const w of this.watchers.get(`${app}/${pid}`) ?? []) queueMicrotask(w);
    });
  }

  async read(app: string, pid: string, afterSeq: number, max: number): Promise<BackupEntry[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new InvalidArgumentError(`afterSeq must be a non-negative integer, got ${String(afterSeq)}`);
    }
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new InvalidArgumentError(`max must be a positive integer, got ${String(max)}`);
    }
    return this.locked(app, pid, async (q) =>
      q.entries
        .filter((e) => e.seq > afterSeq)
        .slice(0, max)
        .map(({ seq, data }) => ({ seq, data })),
    );
  }

  async trim(app: string, pid: string, uptoSeq: number): Promise<void> {
    if (!Number.isSafeInteger(uptoSeq) || uptoSeq < 0) {
      throw new InvalidArgumentError(`uptoSeq must be a non-negative integer, got ${String(uptoSeq)}`);
    }
    return this.locked(app, pid, async (q) => {
      if (!q.entries.some((e) => e.seq <= uptoSeq)) return;
      const kept = q.entries.filter((e) => e.seq > uptoSeq);
      await this.rewrite(q, kept);
      q.entries = kept;
    });
  }

  async purge(app: string, pid: string): Promise<void> {
    return this.locked(app, pid, async (q) => {
      await rm(q.file, { force: true });
      this.queues.delete(`${app}/${pid}`);
    });
  }

  async watch(app: string, pid: string, onAppend: () => void): Promise<Subscription> {
    const key = `${validateName('application', app)}/${validateName('pid', pid)}`;
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(onAppend);
    return {
      unsubscribe: async () => {
        set.delete(onAppend);
        if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
      },
    };
  }

  /** Runs `task` on the queue of a process once the operations before it on that queue are done. */
  private locked<T>(app: string, pid: string, task: (q: QueueState) => Promise<T>): Promise<T> {
    validateName('application', app);
    validateName('pid', pid);
    const key = `${app}/${pid}`;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const run = previous.then(async () => task(await this.state(app, pid)));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return run;
  }

  /** The queue of a process, read from its file the first time. */
  private state(app: string, pid: string): Promise<QueueState> {
    const key = `${app}/${pid}`;
    let loaded = this.queues.get(key);
    if (!loaded) {
      loaded = this.load(app, pid);
      this.queues.set(key, loaded);
      // A failed read (e.g. a corrupt file) is tried again by the next operation.
      loaded.catch(() => {
        if (this.queues.get(key) === loaded) this.queues.delete(key);
      });
    }
    return loaded;
  }

  private async load(app: string, pid: string): Promise<QueueState> {
    const dir = join(this.root, app);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${pid}.queue`);
    const q: QueueState = { file, entries: [], nextSeq: 1, seen: new Map() };
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return q;
      throw e;
    }
    let at = 0;
    while (at < bytes.byteLength) {
      const length = at + FRAME_HEADER <= bytes.byteLength ? bytes.readUInt32BE(at) : Infinity;
      const end = at + FRAME_HEADER + length;
      const payload = end <= bytes.byteLength ? bytes.subarray(at + FRAME_HEADER, end) : undefined;
      if (!payload || crc32(payload) !== bytes.readUInt32BE(at + 4)) {
        // Only the last record can be torn by a crash during its append: it was never acknowledged.
        if (end >= bytes.byteLength) break;
        throw new DecodeError(`backup queue file ${file}`, `record at byte ${at} is corrupt (checksum mismatch)`);
      }
      const record = decodeWire<HeaderRecord | EntryRecord>(payload, `backup queue file ${file}`);
      if ('h' in record) {
        q.nextSeq = Math.max(q.nextSeq, record.next);
        for (const [id, time] of record.ids) q.seen.set(id, time);
      } else {
        q.entries.push({ seq: record.s, data: record.d, id: record.i, at: record.t });
        q.seen.set(record.i, record.t);
        q.nextSeq = Math.max(q.nextSeq, record.s + 1);
      }
      at = end;
    }
    // Appends go after the last whole record, never after a torn one.
    if (at < bytes.byteLength) await this.rewrite(q, q.entries);
    return q;
  }

  /** Replaces the file by a header and `entries`, atomically. */
  private async rewrite(q: QueueState, entries: QueueState['entries']): Promise<void> {
    this.forgetOldIds(q, Date.now());
    const keptIds = new Set(entries.map((e) => e.id));
    const header: HeaderRecord = {
      h: 1,
      next: q.nextSeq,
      ids: [...q.seen].filter(([id]) => !keptIds.has(id)),
    };
    const tmp = `${q.file}.${process.pid}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.write(frame(header));
      for (const e of entries) await file.write(frame({ s: e.seq, i: e.id, t: e.at, d: e.data }));
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(tmp, q.file);
  }

  /** Drops ids older than the duplicate window (the map is in append order). */
  private forgetOldIds(q: QueueState, now: number): void {
    for (const [id, time] of q.seen) {
      if (now - time <= this.duplicateWindowMs) break;
      q.seen.delete(id);
    }
  }
}

import { createHash } from 'node:crypto';
import {
  chunkKey,
  decodeWire,
  encodeWire,
  isManifestKey,
  manifestKey,
  parseGeneration,
  processPrefix,
  silentLogger,
  SnapshotCorruptError,
  type Logger,
} from '@praas/framework';
import type { SnapshotMeta } from './snapshot';
import type { SwapStore } from '../storage/swap-store';

export interface ChunkInfo {
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The commit point of a snapshot: written after all its chunks, read before any of them. */
export interface SnapshotManifest extends SnapshotMeta {
  readonly totalBytes: number;
  readonly chunkBytes: number;
  readonly chunks: readonly ChunkInfo[];
}

export interface SnapshotRepositoryOptions {
  /** Size of each chunk object (default 8 MiB); keeps every PUT under single-PUT limits. */
  chunkBytes?: number;
  /** Chunks uploaded or downloaded at once (default 4). */
  concurrency?: number;
  /** Where failed clean-ups of old generations are logged (default: nowhere). */
  logger?: Logger;
}

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/** Splits a sequence of parts into chunks of `size` bytes, copying only where a chunk spans parts. */
function* chunksOf(parts: readonly Uint8Array[], size: number): Generator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for (const part of parts) {
    let at = 0;
    while (at < part.byteLength) {
      const take = Math.min(size - pendingBytes, part.byteLength - at);
      pending.push(part.subarray(at, at + take));
      pendingBytes += take;
      at += take;
      if (pendingBytes === size) {
        yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0 || pending.length === 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
}

/** Runs `task` over `items` with at most `limit` at once; fails on the first failure. */
async function bounded<T, R>(
  items: Iterable<T>,
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const iterator = items[Symbol.iterator]();
  const results: R[] = [];
  let index = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (failed) return;
      const next = iterator.next();
      if (next.done) return;
      const i = index++;
      try {
        results[i] = await task(next.value, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Snapshots of processes on a SwapStore (DESIGN §6): chunks under `<app>/<pid>/<generation>/`,
 * uploaded in parallel, and a manifest written last as the commit point. Reading takes the newest
 * generation that has a manifest and checks every chunk against it; older generations are removed
 * after a commit.
 */
export class SnapshotRepository {
  readonly chunkBytes: number;
  private readonly concurrency: number;
  private readonly collecting = new Set<Promise<void>>();
  private readonly logger: Logger;

  constructor(
    readonly store: SwapStore,
    options: SnapshotRepositoryOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.concurrency = options.concurrency ?? 4;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Writes a snapshot and commits it; on failure nothing of it is ever read back. Older generations
   * are removed afterwards; with `collect: 'background'` that happens after this returns (see
   * `idle()`), which takes the clean-up's round trips off the swap-out path.
   */
  async commit(
    meta: SnapshotMeta,
    parts: readonly Uint8Array[],
    options: { collect?: 'await' | 'background' } = {},
  ): Promise<SnapshotManifest> {
    const { app, pid, generation } = meta;
    const chunks = await bounded(chunksOf(parts, this.chunkBytes), this.concurrency, async (chunk, i) => {
      const key = chunkKey(app, pid, generation, i);
      await this.store.put(key, chunk);
      return { key, bytes: chunk.byteLength, sha256: sha256(chunk) };
    });
    const manifest: SnapshotManifest = {
      ...meta,
      totalBytes: chunks.reduce((n, c) => n + c.bytes, 0),
      chunkBytes: this.chunkBytes,
      chunks,
    };
    await this.store.put(manifestKey(app, pid, generation), encodeWire(manifest));
    // Clean-up failures are harmless: the next commit removes everything below its generation.
    const collecting = this.collectGarbage(app, pid, generation).catch((e: unknown) =>
      this.logger.warn('cannot remove old snapshot generations; the next commit removes them', {
        app,
        pid,
        generation,
        err: e,
      }),
    );
    if (options.collect === 'background') {
      this.collecting.add(collecting);
      void collecting.then(() => this.collecting.delete(collecting));
    } else {
      await collecting;
    }
    return manifest;
  }

  /** Resolves when the clean-ups started by background commits are done. */
  async idle(): Promise<void> {
    while (this.collecting.size > 0) await Promise.all(this.collecting);
  }

  /** The newest committed manifest, or undefined when the process was never swapped out. */
  async latestManifest(app: string, pid: string): Promise<SnapshotManifest | undefined> {
    const keys = await this.store.list(processPrefix(app, pid));
    const manifests = keys.filter(isManifestKey).sort();
    const newest = manifests[manifests.length - 1];
    if (newest === undefined) return undefined;
    const bytes = await this.store.get(newest);
    if (!bytes) throw new SnapshotCorruptError(newest, 'was listed but cannot be read');
    try {
      return decodeWire<SnapshotManifest>(bytes, `manifest ${newest}`);
    } catch {
      throw new SnapshotCorruptError(newest, 'is not a valid manifest');
    }
  }

  /**
   * Reads the newest committed snapshot. A chunk can vanish under a reader when the writer commits a
   * newer generation and collects the old one meanwhile (a checkpointing process, a host that
   * was cut off); then the newer generation is read instead. A chunk missing from the newest
   * generation is corruption and is reported as such.
   */
  async readLatest(app: string, pid: string): Promise<{ manifest: SnapshotManifest; bytes: Uint8Array } | undefined> {
    for (let attempt = 0; ; attempt++) {
      const manifest = await this.latestManifest(app, pid);
      if (!manifest) return undefined;
      try {
        return { manifest, bytes: await this.read(manifest) };
      } catch (e) {
        if (!(e instanceof SnapshotCorruptError) || attempt >= 3) throw e;
        const newest = await this.latestManifest(app, pid);
        if (!newest || newest.generation === manifest.generation) throw e;
      }
    }
  }

  /**
   * Reads and verifies all chunks of a manifest, in parallel, into one buffer. Stores that can
   * (`readInto`) download each chunk straight into its place, so no chunk is held twice.
   */
  async read(manifest: SnapshotManifest): Promise<Uint8Array> {
    const offsets: number[] = [];
    const total = manifest.chunks.reduce((at, c) => (offsets.push(at), at + c.bytes), 0);
    if (total !== manifest.totalBytes) {
      throw new SnapshotCorruptError(
        manifestKey(manifest.app, manifest.pid, manifest.generation),
        `lists chunks of ${total} bytes in all but says ${manifest.totalBytes}`,
      );
    }
    const out = Buffer.allocUnsafe(total);
    await bounded(manifest.chunks, this.concurrency, async (chunk, i) => {
      const target = out.subarray(offsets[i], offsets[i]! + chunk.bytes);
      const size = await this.readChunk(chunk.key, target);
      if (size === undefined) throw new SnapshotCorruptError(chunk.key, 'is missing');
      if (size !== chunk.bytes)
        throw new SnapshotCorruptError(chunk.key, `has ${size} bytes, the manifest says ${chunk.bytes}`);
      if (sha256(target) !== chunk.sha256)
        throw new SnapshotCorruptError(chunk.key, 'does not match its checksum in the manifest');
    });
    return out;
  }

  /** Puts a chunk's bytes into `target`; returns the object's size, undefined when it is missing. */
  private async readChunk(key: string, target: Uint8Array): Promise<number | undefined> {
    if (this.store.readInto) return this.store.readInto(key, target);
    const bytes = await this.store.get(key);
    if (bytes && bytes.byteLength === target.byteLength) target.set(bytes);
    return bytes?.byteLength;
  }

  /** Newest committed generation, 0 when none. */
  async latestGeneration(app: string, pid: string): Promise<number> {
    const keys = await this.store.list(processPrefix(app, pid));
    const gens = keys.filter(isManifestKey).map((k) => parseGeneration(app, pid, k) ?? 0);
    return gens.length ? Math.max(...gens) : 0;
  }

  /** Deletes every snapshot of a process. */
  async deleteAll(app: string, pid: string): Promise<void> {
    await this.store.delete(await this.store.list(processPrefix(app, pid)));
  }

  /** Removes generations older than `keep`, and uncommitted leftovers of failed attempts below it. */
  private async collectGarbage(app: string, pid: string, keep: number): Promise<void> {
    const keys = await this.store.list(processPrefix(app, pid));
    const old = keys.filter((k) => (parseGeneration(app, pid, k) ?? keep) < keep);
    // Manifests go first so that an interrupted collection never leaves a manifest without its chunks.
    const manifests = old.filter(isManifestKey);
    await this.store.delete(manifests);
    await this.store.delete(old.filter((k) => !isManifestKey(k)));
  }
}

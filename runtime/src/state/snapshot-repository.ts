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
} from '@praas/framework/internal';
import type { SnapshotMeta } from './snapshot';
import type { SwapStore } from '../storage/swap-store';
import { bounded, chunksOf } from './snapshot-chunks';

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
  /** A small snapshot travels inside its manifest (no chunks): one object to write and to read. */
  readonly inline?: { readonly bytes: Uint8Array; readonly sha256: string };
}

export interface SnapshotRepositoryOptions {
  /** Size of each chunk object (default 8 MiB); keeps every PUT under single-PUT limits. */
  chunkBytes?: number;
  /**
   * Snapshots up to this size (and up to `chunkBytes`) are written into their manifest instead of
   * a chunk beside it (default 64 KiB): a swap then costs one object-store request each way.
   */
  inlineBytes?: number;
  /** Chunks uploaded or downloaded at once (default 4). */
  concurrency?: number;
  /** Where failed clean-ups of old generations are logged (default: nowhere). */
  logger?: Logger;
}

/**
 * What a reader knows of a process's snapshots from its registry record, so that it can look the
 * newest manifest up by key: listing a process's keys is the costly request of some object stores
 * (s3rver walks the whole bucket for it).
 */
export interface KnownGeneration {
  /** The generation the record names; 0 when it names no commit. */
  readonly generation: number;
  /**
   * Nothing was committed after it: the record was written by a finished swap-out (status
   * `swapped`), and a swapped process commits nothing until it is swapped in again.
   */
  readonly exact?: boolean;
}

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
export const DEFAULT_INLINE_BYTES = 64 * 1024;

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
  private readonly inlineBytes: number;
  private readonly concurrency: number;
  private readonly collecting = new Set<Promise<void>>();
  private readonly logger: Logger;

  constructor(
    readonly store: SwapStore,
    options: SnapshotRepositoryOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.inlineBytes = Math.min(options.inlineBytes ?? DEFAULT_INLINE_BYTES, this.chunkBytes);
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
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    let manifest: SnapshotManifest;
    if (total <= this.inlineBytes) {
      const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      const inline = { bytes, sha256: sha256(bytes) };
      manifest = { ...meta, totalBytes: total, chunkBytes: this.chunkBytes, chunks: [], inline };
    } else {
      const chunks = await bounded(chunksOf(parts, this.chunkBytes), this.concurrency, async (chunk, i) => {
        const key = chunkKey(app, pid, generation, i);
        await this.store.put(key, chunk);
        return { key, bytes: chunk.byteLength, sha256: sha256(chunk) };
      });
      manifest = { ...meta, totalBytes: total, chunkBytes: this.chunkBytes, chunks };
    }
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

  /**
   * The newest committed manifest, or undefined when the process was never swapped out. With
   * `known` (what the process's registry record says) it looks the manifest up by key instead of
   * listing the store, see {@link KnownGeneration}; it lists only when the two disagree.
   */
  async latestManifest(app: string, pid: string, known?: KnownGeneration): Promise<SnapshotManifest | undefined> {
    if (known) {
      const found = await this.probe(app, pid, known);
      if (found !== 'unknown') return found;
    }
    const keys = await this.store.list(processPrefix(app, pid));
    const manifests = keys.filter(isManifestKey).sort();
    const newest = manifests[manifests.length - 1];
    if (newest === undefined) return undefined;
    const manifest = await this.manifestAt(newest);
    if (!manifest) throw new SnapshotCorruptError(newest, 'was listed but cannot be read');
    return manifest;
  }

  /**
   * The newest manifest at or above the known generation, by key: commits are numbered one after
   * another, and each is published before the next starts unless publishing failed, so the record
   * lags by one at most in practice. Looks at the known generation and the next, then walks up
   * while there are newer ones. 'unknown' when neither is there although the record names a commit
   * (it was collected under a record lagging further): then only a listing can tell.
   */
  private async probe(
    app: string,
    pid: string,
    known: KnownGeneration,
  ): Promise<SnapshotManifest | undefined | 'unknown'> {
    const { generation } = known;
    if (known.exact && generation > 0) return (await this.manifestAt(manifestKey(app, pid, generation))) ?? 'unknown';
    let at = Math.max(generation, 1);
    let newest =
      (await this.manifestAt(manifestKey(app, pid, at))) ?? (await this.manifestAt(manifestKey(app, pid, ++at)));
    if (!newest) return generation === 0 ? undefined : 'unknown';
    for (;;) {
      const next = await this.manifestAt(manifestKey(app, pid, ++at));
      if (!next) return newest;
      newest = next;
    }
  }

  /** The manifest under `key`, undefined when there is none. */
  private async manifestAt(key: string): Promise<SnapshotManifest | undefined> {
    const bytes = await this.store.get(key);
    if (!bytes) return undefined;
    try {
      return decodeWire<SnapshotManifest>(bytes, `manifest ${key}`);
    } catch {
      throw new SnapshotCorruptError(key, 'is not a valid manifest');
    }
  }

  /**
   * Reads the newest committed snapshot. A chunk can vanish under a reader when the writer commits a
   * newer generation and collects the old one meanwhile (a checkpointing process, a host that
   * was cut off); then the newer generation is read instead. A chunk missing from the newest
   * generation is corruption and is reported as such.
   */
  async readLatest(
    app: string,
    pid: string,
    known?: KnownGeneration,
  ): Promise<{ manifest: SnapshotManifest; bytes: Uint8Array } | undefined> {
    let manifest = await this.latestManifest(app, pid, known);
    for (let attempt = 0; ; attempt++) {
      if (!manifest) return undefined;
      try {
        return { manifest, bytes: await this.read(manifest) };
      } catch (e) {
        if (!(e instanceof SnapshotCorruptError) || attempt >= 3) throw e;
        const newest = await this.latestManifest(app, pid, known && { generation: manifest.generation });
        if (!newest || newest.generation === manifest.generation) throw e;
        manifest = newest;
      }
    }
  }

  /**
   * Reads and verifies all chunks of a manifest, in parallel, into one buffer. Stores that can
   * (`readInto`) download each chunk straight into its place, so no chunk is held twice.
   */
  async read(manifest: SnapshotManifest): Promise<Uint8Array> {
    if (manifest.inline) return this.readInline(manifest, manifest.inline);
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

  /** The bytes of a snapshot held by its manifest, checked like a chunk's. */
  private readInline(manifest: SnapshotManifest, inline: NonNullable<SnapshotManifest['inline']>): Uint8Array {
    const key = manifestKey(manifest.app, manifest.pid, manifest.generation);
    if (inline.bytes.byteLength !== manifest.totalBytes)
      throw new SnapshotCorruptError(key, `holds ${inline.bytes.byteLength} bytes but says ${manifest.totalBytes}`);
    if (sha256(inline.bytes) !== inline.sha256)
      throw new SnapshotCorruptError(key, 'holds bytes that do not match its checksum');
    return inline.bytes;
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
    // Generations start at 1 and failed attempts reuse the number of the commit that follows them:
    // below the first commit there is nothing, and listing to find that out is what costs.
    if (keep <= 1) return;
    const keys = await this.store.list(processPrefix(app, pid));
    const old = keys.filter((k) => (parseGeneration(app, pid, k) ?? keep) < keep);
    // Manifests go first so that an interrupted collection never leaves a manifest without its chunks.
    const manifests = old.filter(isManifestKey);
    await this.store.delete(manifests);
    await this.store.delete(old.filter((k) => !isManifestKey(k)));
  }
}

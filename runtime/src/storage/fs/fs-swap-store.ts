import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { assertKeyPrefix, assertObjectKey } from '../object-key';
import type { SwapStore } from '../swap-store';

/**
 * A SwapStore on a local directory: one file per object, written to a temporary name and renamed,
 * so a reader never sees half an object.
 */
export class FsSwapStore implements SwapStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...assertObjectKey(key).split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async readInto(key: string, target: Uint8Array): Promise<number | undefined> {
    let file;
    try {
      file = await open(this.path(key), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const { size } = await file.stat();
      const want = Math.min(size, target.byteLength);
      let at = 0;
      while (at < want) {
        const { bytesRead } = await file.read(target, at, want - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return size;
    } finally {
      await file.close();
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the directory the prefix names; its last segment may be partial.
    assertKeyPrefix(prefix);
    const cut = prefix.lastIndexOf('/');
    const dir = cut < 0 ? this.root : join(this.root, ...prefix.slice(0, cut).split('/'));
    const keys: string[] = [];
    const walk = async (d: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const entry of entries) {
        const full = join(d, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith('.tmp')) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) keys.push(key);
        }
      }
    };
    await walk(dir);
    return keys.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    // Every key is checked before the first is deleted: a bad one in the batch deletes nothing.
    const paths = keys.map((k) => this.path(k));
    await Promise.all(paths.map((p) => rm(p, { force: true })));
  }

  describe(): string {
    return `directory ${this.root}`;
  }
}

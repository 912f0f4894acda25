import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

/** The part of s3rver's file-system store that `s3rverAtomicPuts` replaces. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; content: Buffer | Readable; metadata: unknown }): Promise<{
    size: number;
    md5: string;
  }>;
}

let patched = false;

/**
 * s3rver 3.7.1 creates an object's file before its bytes are written (and answers the PUT before
 * its write stream finished), so a reader polling for the object can get it empty or partial,
 * which real S3 never shows. Writers and pollers of the samples' S3 variants (k-means parts,
 * stateless LaTeX) need S3's atomic PUT: this writes each object to a temporary file and renames
 * it into place. Patches s3rver's file-system store once per Node.js process.
 */
export function s3rverAtomicPuts(): void {
  if (patched) return;
  patched = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver's internal store, not part of its typings
  const Store = require('s3rver/lib/stores/filesystem') as { prototype: FilesystemStore };
  Store.prototype.putObject = async function (this: FilesystemStore, object) {
    const chunks: Buffer[] = [];
    if (Buffer.isBuffer(object.content)) chunks.push(object.content);
    else for await (const chunk of object.content) chunks.push(chunk as Buffer);
    const content = Buffer.concat(chunks);
    const md5 = createHash('md5').update(content).digest('hex');
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    const temporary = `${objectPath}.${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(temporary, content);
    await rename(temporary, objectPath);
    return { size: content.length, md5 };
  };
}

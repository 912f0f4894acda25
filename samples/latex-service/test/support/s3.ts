import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import S3rver from 's3rver';

/** An S3 endpoint for a test, and how to stop it. */
export interface TestS3 {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  stop(): Promise<void>;
}

/** The part of s3rver's file-system store that `atomicPuts` replaces. */
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
 * s3rver 3.7.1 answers a PUT before the object's bytes are on disk (it does not wait for its write
 * stream), so a GET right after may see an empty or partial object, which real S3 never shows.
 * Tests that read what they just wrote (a stateless request, a poll for parts) need S3's
 * read-after-write behaviour: this writes the object to a temporary file and renames it into place.
 */
function atomicPuts(): void {
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

/**
 * The endpoint in PRAAS_S3_ENDPOINT (with PRAAS_S3_ACCESS_KEY / PRAAS_S3_SECRET_KEY) when set,
 * else s3rver in this process on a free loopback port with a temporary directory (DESIGN §9).
 */
export async function startTestS3(): Promise<TestS3> {
  const endpoint = process.env['PRAAS_S3_ENDPOINT'];
  if (endpoint) {
    const accessKey = process.env['PRAAS_S3_ACCESS_KEY'];
    const secretKey = process.env['PRAAS_S3_SECRET_KEY'];
    if (!accessKey || !secretKey)
      throw new Error('PRAAS_S3_ENDPOINT is set: set PRAAS_S3_ACCESS_KEY and PRAAS_S3_SECRET_KEY too');
    return { endpoint, accessKey, secretKey, stop: async () => {} };
  }
  atomicPuts();
  const directory = await mkdtemp(join(tmpdir(), 'praas-sample-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    stop: async () => {
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

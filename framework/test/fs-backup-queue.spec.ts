import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecodeError, FsBackupQueue, InvalidNameError, MemoryTransport } from '../src/internal';
import { transportContract } from '../src/testing';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const texts = (entries: { data: Uint8Array }[]): string[] => entries.map((e) => text(e.data));

// The embedded stack's transport: in memory, with its backup queue in a directory.
let shared: MemoryTransport | undefined;
let sharedDir: string | undefined;
transportContract('MemoryTransport with an FsBackupQueue', {
  create: async () => {
    sharedDir ??= await mkdtemp(join(tmpdir(), 'praas-fsq-contract-'));
    return (shared ??= new MemoryTransport({ backup: new FsBackupQueue(sharedDir) }));
  },
  dispose: async () => {
    await shared?.close();
    shared = undefined;
    if (sharedDir) await rm(sharedDir, { recursive: true, force: true });
    sharedDir = undefined;
  },
});

describe('FsBackupQueue across a restart (a new instance on the same directory)', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'praas-fsq-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('keeps the entries that were not trimmed, in order, with their sequence numbers', async () => {
    const before = new FsBackupQueue(dir);
    for (let i = 0; i < 5; i++) await before.append('app', 'p1', `id-${i}`, bytes(`m${i}`));
    const all = await before.read('app', 'p1', 0, 10);
    await before.trim('app', 'p1', all[1]!.seq);
    const after = new FsBackupQueue(dir);
    const kept = await after.read('app', 'p1', 0, 10);
    assert.deepEqual(texts(kept), ['m2', 'm3', 'm4']);
    assert.deepEqual(
      kept.map((e) => e.seq),
      all.slice(2).map((e) => e.seq),
    );
  });

  it('with sync, flushes each append to the disk and reads it back the same', async () => {
    const before = new FsBackupQueue(dir, { sync: true });
    await before.append('app', 'p1', 'a', bytes('flushed'));
    assert.deepEqual(texts(await new FsBackupQueue(dir).read('app', 'p1', 0, 10)), ['flushed']);
  });

  it('never hands out a sequence number again, also after every entry was trimmed', async () => {
    const before = new FsBackupQueue(dir);
    for (let i = 0; i < 3; i++) await before.append('app', 'p1', `id-${i}`, bytes(`m${i}`));
    const cursor = (await before.read('app', 'p1', 0, 10)).at(-1)!.seq;
    await before.trim('app', 'p1', cursor);
    const after = new FsBackupQueue(dir);
    await after.append('app', 'p1', 'late', bytes('late'));
    // A reader whose cursor (e.g. in a snapshot) says `cursor` must see the new entry.
    assert.deepEqual(texts(await after.read('app', 'p1', cursor, 10)), ['late']);
  });

  it('drops a retried append whose first attempt was trimmed before the restart', async () => {
    const before = new FsBackupQueue(dir);
    await before.append('app', 'p1', 'once', bytes('first'));
    await before.trim('app', 'p1', (await before.read('app', 'p1', 0, 10))[0]!.seq);
    const after = new FsBackupQueue(dir);
    await after.append('app', 'p1', 'once', bytes('retry'));
    await after.append('app', 'p1', 'other', bytes('second'));
    assert.deepEqual(texts(await after.read('app', 'p1', 0, 10)), ['second']);
  });

  it('forgets ids older than the duplicate window', async () => {
    const q = new FsBackupQueue(dir, { duplicateWindowMs: 20 });
    await q.append('app', 'p1', 'same', bytes('first'));
    await new Promise((r) => setTimeout(r, 40));
    await q.append('app', 'p1', 'same', bytes('much later'));
    assert.deepEqual(texts(await q.read('app', 'p1', 0, 10)), ['first', 'much later']);
  });

  it('cuts off a record torn by a crash during its append, and appends after the last whole one', async () => {
    const before = new FsBackupQueue(dir);
    await before.append('app', 'p1', 'a', bytes('whole'));
    await before.append('app', 'p1', 'b', bytes('torn'));
    const file = join(dir, 'app', 'p1.queue');
    await truncate(file, (await stat(file)).size - 2);
    const after = new FsBackupQueue(dir);
    assert.deepEqual(texts(await after.read('app', 'p1', 0, 10)), ['whole']);
    await after.append('app', 'p1', 'c', bytes('next'));
    assert.deepEqual(texts(await new FsBackupQueue(dir).read('app', 'p1', 0, 10)), ['whole', 'next']);
  });

  it('refuses a file corrupt before its last record, naming the file', async () => {
    const before = new FsBackupQueue(dir);
    await before.append('app', 'p1', 'a', bytes('one'));
    await before.append('app', 'p1', 'b', bytes('two'));
    const file = join(dir, 'app', 'p1.queue');
    const content = await readFile(file);
    content[12] = content[12]! ^ 0xff; // inside the first record's payload
    await writeFile(file, content);
    await assert.rejects(new FsBackupQueue(dir).read('app', 'p1', 0, 10), (e: unknown) => {
      assert.ok(e instanceof DecodeError);
      assert.match(e.message, /p1\.queue.*record at byte 0 is corrupt/);
      return true;
    });
  });

  it('removes the file of a purged queue', async () => {
    const q = new FsBackupQueue(dir);
    await q.append('app', 'p1', 'a', bytes('one'));
    await q.purge('app', 'p1');
    await assert.rejects(stat(join(dir, 'app', 'p1.queue')), { code: 'ENOENT' });
    assert.deepEqual(await new FsBackupQueue(dir).read('app', 'p1', 0, 10), []);
  });

  it('refuses names that are not safe as file names', async () => {
    const q = new FsBackupQueue(dir);
    await assert.rejects(q.append('app', '../escape', 'a', bytes('x')), InvalidNameError);
    await assert.rejects(q.read('..', 'p1', 0, 1), InvalidNameError);
  });
});

import assert from 'node:assert/strict';
import {
  encodeWire,
  MemoryLogger,
  MemoryTransport,
  type BackupQueue,
  type Envelope,
  type InvokeEnvelope,
  type MessageEnvelope,
} from '@praas/framework/internal';
import { BackupDrainer } from '../../src/process/backup-drainer';
import { message } from './process-parts';

const APP = 'app';
const PID = 'p1';

const msg = (seq: number, fn?: string): MessageEnvelope => message(seq, fn === undefined ? {} : { fn });
const inv = (id: string): InvokeEnvelope => ({ t: 'inv', id, from: 'client:x', fn: 'add', data: new Uint8Array(0) });

describe('BackupDrainer', () => {
  let transport: MemoryTransport;
  let backup: BackupQueue;
  let delivered: Envelope[];
  let logger: MemoryLogger;
  const drainer = (queue: BackupQueue = backup): BackupDrainer =>
    new BackupDrainer({ app: APP, pid: PID, backup: queue, deliver: (e) => delivered.push(e), logger });
  const append = (e: Envelope): Promise<void> => backup.append(APP, PID, e.id, encodeWire(e));

  beforeEach(() => {
    transport = new MemoryTransport();
    backup = transport.backup;
    delivered = [];
    logger = new MemoryLogger();
  });
  afterEach(async () => transport.close());

  it('delivers the queue in order and remembers how far it got', async () => {
    for (const e of [msg(1), inv('i1'), msg(2)]) await append(e);
    const d = drainer();
    await d.drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1', 'i1', 'm2'],
    );
    const cursor = d.cursor;
    assert.ok(cursor > 0);
    await append(msg(3));
    await d.drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1', 'i1', 'm2', 'm3'],
      'a second pass starts after the cursor',
    );
  });

  it('reads the queue again on recheck while watched: an append whose notice was lost (NATS reconnecting) is delivered', async () => {
    let muted = false;
    const lossy: BackupQueue = Object.assign(Object.create(backup) as BackupQueue, {
      watch: (app: string, pid: string, onAppend: () => void) =>
        backup.watch(app, pid, () => {
          if (!muted) onAppend();
        }),
    });
    const d = drainer(lossy);
    d.recheck();
    await append(msg(1));
    await d.drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1'],
      'not watched yet: recheck does nothing, drain reads',
    );
    await d.watch();
    muted = true;
    await append(msg(2));
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1'],
      'the notice of m2 was lost',
    );
    d.recheck();
    await d.drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1', 'm2'],
    );
    await d.stop();
    await append(msg(3));
    d.recheck();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1', 'm2'],
      'stopped: recheck reads nothing',
    );
  });

  it('goes on after a restored cursor', async () => {
    for (const e of [msg(1), msg(2)]) await append(e);
    const first = drainer();
    await first.drain();
    await append(msg(3));
    delivered = [];
    const second = drainer();
    second.restore(first.cursor);
    await second.drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m3'],
    );
  });

  it('lets concurrent callers join a pass that has not started, and never runs two at once', async () => {
    for (const e of [msg(1), msg(2)]) await append(e);
    let reading = 0;
    let overlapped = false;
    let reads = 0;
    const counted: BackupQueue = Object.assign(Object.create(backup) as BackupQueue, {
      read: async (...args: Parameters<BackupQueue['read']>) => {
        reads++;
        if (++reading > 1) overlapped = true;
        await new Promise((r) => setTimeout(r, 5));
        reading--;
        return backup.read(...args);
      },
    });
    const d = drainer(counted);
    const first = d.drain();
    assert.equal(d.drain(), first, 'a caller before the pass starts shares it');
    while (reads === 0) await new Promise((r) => setImmediate(r));
    // The first pass is reading now: a new call queues the next pass, and a later one joins that.
    const second = d.drain();
    assert.notEqual(second, first);
    assert.equal(d.drain(), second);
    await Promise.all([first, second]);
    assert.equal(overlapped, false);
    assert.equal(reads, 3, 'the first pass reads a batch and the empty end, the second only the end');
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1', 'm2'],
    );
  });

  it('while work is held, stops at the first invocation or message to a function, and takes it once released', async () => {
    for (const e of [msg(1), msg(2, 'sum'), msg(3), inv('i1')]) await append(e);
    const d = drainer();
    d.holdWork(true);
    await d.drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1'],
    );
    d.holdWork(false);
    await d.drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1', 'm2', 'm3', 'i1'],
    );
  });

  it('skips an entry that does not decode, with a warning, and delivers what follows', async () => {
    await append(msg(1));
    await backup.append(APP, PID, 'junk', new Uint8Array([0xc1, 0xff, 0x00]));
    await append(msg(2));
    await drainer().drain();
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1', 'm2'],
    );
    assert.equal(logger.at('warn', 'does not decode').length, 1);
  });

  it('drains on every append while watching, and not after stop', async () => {
    const d = drainer();
    await d.watch();
    await append(msg(1));
    for (let i = 0; i < 50 && delivered.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(
      delivered.map((e) => e.id),
      ['m1'],
    );
    await d.stop();
    await append(msg(2));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(delivered.length, 1);
  });

  it('rejects a pass whose read fails, and logs a failed pass started by the watch', async () => {
    const broken: BackupQueue = Object.assign(Object.create(backup) as BackupQueue, {
      read: () => Promise.reject(new Error('stream unavailable')),
    });
    const d = drainer(broken);
    await assert.rejects(d.drain(), /stream unavailable/);
    await d.watch();
    await append(msg(1));
    for (let i = 0; i < 50 && logger.at('warn').length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const [record] = logger.at('warn', 'reading the backup queue failed');
    assert.ok(record);
    assert.match(JSON.stringify(record['err']), /stream unavailable/);
    await d.stop();
  });

  it('trims up to a position, and warns instead of failing when the trim fails', async () => {
    for (const e of [msg(1), msg(2)]) await append(e);
    const d = drainer();
    await d.drain();
    await d.trim(d.cursor);
    assert.deepEqual(await backup.read(APP, PID, 0, 10), []);
    const broken: BackupQueue = Object.assign(Object.create(backup) as BackupQueue, {
      trim: () => Promise.reject(new Error('no trim today')),
    });
    await drainer(broken).trim(5);
    const [record] = logger.at('warn', 'trimming the backup queue failed');
    assert.ok(record);
    assert.equal(record['upTo'], 5);
  });
});

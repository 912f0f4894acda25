import assert from 'node:assert/strict';
import { KeyedSerialQueue, SerialQueue } from '../../src/host/serial-queue';

/** A promise with its resolve, to hold a task until the test lets it go. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SerialQueue', function () {
  it('runs tasks one after another in the order given', async function () {
    const queue = new SerialQueue();
    const events: string[] = [];
    const hold = deferred();
    const first = queue.run(async () => {
      events.push('first starts');
      await hold.promise;
      events.push('first ends');
      return 1;
    });
    const second = queue.run(() => {
      events.push('second starts');
      return Promise.resolve(2);
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['first starts'], 'the second waits for the first');
    hold.resolve();
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(events, ['first starts', 'first ends', 'second starts']);
  });

  it('gives a failure to the caller of that task and runs the next all the same', async function () {
    const queue = new SerialQueue();
    const failing = queue.run(() => Promise.reject(new RangeError('no')));
    const next = queue.run(() => Promise.resolve('yes'));
    await assert.rejects(failing, RangeError);
    assert.equal(await next, 'yes');
  });
});

describe('KeyedSerialQueue', function () {
  it('runs tasks of one key one after another and tasks of different keys side by side', async function () {
    const queue = new KeyedSerialQueue();
    const events: string[] = [];
    const hold = deferred();
    const a1 = queue.run('a', async () => {
      events.push('a1');
      await hold.promise;
    });
    const a2 = queue.run('a', () => Promise.resolve(void events.push('a2')));
    const b1 = queue.run('b', () => Promise.resolve(void events.push('b1')));
    await b1;
    assert.deepEqual(events, ['a1', 'b1'], 'b does not wait for a');
    hold.resolve();
    await Promise.all([a1, a2]);
    assert.deepEqual(events, ['a1', 'b1', 'a2']);
  });

  it('keeps going after a failed task of a key, and forgets keys that are idle', async function () {
    const queue = new KeyedSerialQueue();
    await assert.rejects(
      queue.run('p', () => Promise.reject(new Error('broken'))),
      /broken/,
    );
    assert.equal(await queue.run('p', () => Promise.resolve(3)), 3);
    await new Promise((r) => setImmediate(r));
    assert.equal(queue.busyKeys, 0);
  });
});

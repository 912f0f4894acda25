import assert from 'node:assert/strict';
import { ANY, SELF, TimeoutError } from '@praas/framework/internal';
import { Mailbox, type StoredMessage } from '../../src';
import { DEDUP_WINDOW } from '../../src/mailbox/mailbox';

const msg = (id: string, from: string, key: string, value: number): StoredMessage => ({
  id,
  from,
  key,
  data: new Uint8Array([value]),
});

describe('Mailbox', () => {
  it('returns the oldest message matching source and key', async () => {
    const box = new Mailbox('me');
    box.put(msg('1', 'a', 'k', 1));
    box.put(msg('2', 'b', 'k', 2));
    box.put(msg('3', 'a', 'k', 3));
    box.put(msg('4', 'a', 'other', 4));
    assert.equal((await box.take('a', 'k')).id, '1');
    assert.equal((await box.take('a', 'k')).id, '3');
    assert.equal((await box.take(ANY, 'k')).id, '2');
    assert.equal((await box.take(ANY, 'other')).id, '4');
    assert.equal(box.size, 0);
  });

  it('resolves SELF to its own pid', async () => {
    const box = new Mailbox('me');
    box.put(msg('1', 'me', 'k', 1));
    assert.equal((await box.take(SELF, 'k')).from, 'me');
  });

  it('hands a later message to a waiting take, in the order the takes waited', async () => {
    const box = new Mailbox('me');
    const first = box.take(ANY, 'k');
    const second = box.take('b', 'k');
    box.put(msg('1', 'a', 'k', 1));
    box.put(msg('2', 'b', 'k', 2));
    assert.equal((await first).id, '1');
    assert.equal((await second).id, '2');
  });

  it('times out a take with a TimeoutError naming key and sender, and forgets the waiter', async () => {
    const box = new Mailbox('me');
    await assert.rejects(
      box.take('a', 'k', 20),
      (e: unknown) => e instanceof TimeoutError && /no message 'k' from 'a'/.test(e.message),
    );
    assert.equal(box.waiting, 0);
    box.put(msg('1', 'a', 'k', 1));
    assert.equal(box.size, 1, 'the message stays for the next take');
  });

  it('drops a message whose id it has seen, also after a snapshot round trip', () => {
    const box = new Mailbox('me');
    assert.equal(box.put(msg('1', 'a', 'k', 1)), true);
    assert.equal(box.put(msg('1', 'a', 'k', 1)), false);
    const copy = new Mailbox('me');
    copy.restore(box.snapshot());
    assert.equal(copy.put(msg('1', 'a', 'k', 1)), false);
    assert.equal(copy.size, 1);
  });

  it('remembers the newest DEDUP_WINDOW ids, forgetting the oldest first, also across a snapshot', () => {
    const box = new Mailbox('me');
    const total = DEDUP_WINDOW + 500;
    for (let i = 0; i < total; i++) assert.equal(box.markSeen(`id-${i}`), true);
    assert.equal(box.hasSeen('id-0'), false, 'the oldest is forgotten');
    assert.equal(box.hasSeen('id-499'), false);
    assert.equal(box.hasSeen('id-500'), true, 'the window starts here');
    assert.equal(box.hasSeen(`id-${total - 1}`), true);
    const copy = new Mailbox('me');
    copy.restore(box.snapshot());
    copy.markSeen('one-more');
    assert.equal(copy.hasSeen('id-500'), false, 'after a restore the oldest still goes first');
    assert.equal(copy.hasSeen('id-501'), true);
    assert.equal(copy.hasSeen('one-more'), true);
  });
});

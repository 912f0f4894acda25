import assert from 'node:assert/strict';
import type { MessageEnvelope } from '@praas/framework/internal';
import { SenderSequences } from '../../src/mailbox/sender-sequences';

const msg = (from: string, epoch: string, seq: number): MessageEnvelope => ({
  t: 'msg',
  id: `${from}-${epoch}-${seq}`,
  from,
  epoch,
  seq,
  key: 'k',
  data: new Uint8Array(0),
});

describe('SenderSequences', () => {
  it('takes a new sender only from its first message, then each next one', () => {
    const s = new SenderSequences();
    assert.equal(s.inSequence(msg('a', 'e1', 2)), false);
    assert.equal(s.inSequence(msg('a', 'e1', 1)), true);
    s.accept(msg('a', 'e1', 1));
    assert.equal(s.inSequence(msg('a', 'e1', 2)), true);
    assert.equal(s.inSequence(msg('a', 'e1', 3)), false, 'a gap: message 2 is missing');
    assert.equal(s.inSequence(msg('a', 'e1', 1)), true, 'one seen before: the mailbox drops it by id');
  });

  it('keeps senders apart and starts again at 1 for a new incarnation of a sender', () => {
    const s = new SenderSequences();
    s.accept(msg('a', 'e1', 1));
    s.accept(msg('a', 'e1', 2));
    assert.equal(s.inSequence(msg('b', 'e1', 1)), true);
    assert.equal(s.inSequence(msg('b', 'e1', 3)), false);
    assert.equal(s.inSequence(msg('a', 'e2', 3)), false);
    assert.equal(s.inSequence(msg('a', 'e2', 1)), true);
  });

  it('never moves a count back when an older message is accepted', () => {
    const s = new SenderSequences();
    s.accept(msg('a', 'e1', 5)); // From the backup queue, which holds the sender's order.
    s.accept(msg('a', 'e1', 3));
    assert.deepEqual(s.entries(), [['a', 'e1', 5]]);
    s.accept(msg('a', 'e2', 1)); // A new incarnation replaces the old count.
    assert.deepEqual(s.entries(), [['a', 'e2', 1]]);
  });

  it('restores what entries() saved', () => {
    const s = new SenderSequences();
    s.accept(msg('a', 'e1', 1));
    s.accept(msg('b', 'e9', 4));
    const restored = new SenderSequences();
    restored.restore(s.entries());
    assert.deepEqual(restored.entries(), s.entries());
    assert.equal(restored.inSequence(msg('b', 'e9', 5)), true);
    assert.equal(restored.inSequence(msg('b', 'e9', 6)), false);
  });
});

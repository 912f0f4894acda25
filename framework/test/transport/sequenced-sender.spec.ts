import assert from 'node:assert/strict';
import { receiverKey, SequencedSender } from '../../src/internal';

const bytes = (n: number): Uint8Array => new Uint8Array([n]);

describe('SequencedSender', () => {
  it('numbers messages per receiver in call order, under one sender id and incarnation', () => {
    const sender = new SequencedSender('p1');
    const a1 = sender.message('a', 'k', bytes(1));
    const b1 = sender.message('b', 'k', bytes(2));
    const a2 = sender.message('a', 'k', bytes(3));
    assert.deepEqual(
      [a1, b1, a2].map((m) => [m.from, m.seq]),
      [
        ['p1', 1],
        ['p1', 1],
        ['p1', 2],
      ],
    );
    assert.equal(a1.epoch, sender.epoch);
    assert.equal(a2.epoch, sender.epoch);
    assert.notEqual(a1.id, a2.id);
  });

  it('builds a message to a function, with a given id, and one to the mailbox without fn', () => {
    const sender = new SequencedSender('p1');
    const toFn = sender.message('a', 'k', bytes(1), { id: 'm-1', fn: 'reduce' });
    assert.deepEqual(toFn, {
      t: 'msg',
      id: 'm-1',
      from: 'p1',
      epoch: sender.epoch,
      seq: 1,
      key: 'k',
      data: bytes(1),
      fn: 'reduce',
    });
    const toMailbox = sender.message('a', 'k', bytes(2));
    assert.equal('fn' in toMailbox, false);
  });

  it('gives each sender its own incarnation, so a restarted sender is told apart', () => {
    assert.notEqual(new SequencedSender('p1').epoch, new SequencedSender('p1').epoch);
  });

  it('goes on numbering from a saved state, in the same incarnation', () => {
    const before = new SequencedSender('p1');
    before.message('a', 'k', bytes(1));
    before.message('a', 'k', bytes(2));
    before.message('b', 'k', bytes(3));
    const state = before.state();
    const after = new SequencedSender('p1', state);
    assert.equal(after.epoch, before.epoch);
    assert.equal(after.message('a', 'k', bytes(4)).seq, 3);
    assert.equal(after.message('b', 'k', bytes(5)).seq, 2);
    assert.equal(after.message('c', 'k', bytes(6)).seq, 1);
    // The saved state is a copy: numbering on does not change it.
    assert.deepEqual(state.seq, [
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('builds invocations with the optional fields only when given, and does not number them', () => {
    const sender = new SequencedSender('client:x');
    const plain = sender.invocation('add', bytes(1));
    assert.deepEqual(Object.keys(plain).sort(), ['data', 'fn', 'from', 'id', 't']);
    const full = sender.invocation('reduce', bytes(2), { id: 'i-1', key: 'e1', timeoutMs: 500 });
    assert.deepEqual(full, {
      t: 'inv',
      id: 'i-1',
      from: 'client:x',
      fn: 'reduce',
      key: 'e1',
      data: bytes(2),
      timeoutMs: 500,
    });
    assert.equal(sender.message('r', 'k', bytes(3)).seq, 1);
  });

  it('keys receivers of several applications apart', () => {
    const sender = new SequencedSender('client:x');
    sender.message(receiverKey('app1', 'p'), 'k', bytes(1));
    assert.equal(sender.message(receiverKey('app2', 'p'), 'k', bytes(2)).seq, 1);
    assert.equal(sender.message(receiverKey('app1', 'p'), 'k', bytes(3)).seq, 2);
  });
});

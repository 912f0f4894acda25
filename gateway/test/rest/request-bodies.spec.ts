import assert from 'node:assert/strict';
import { createAppBody, createProcessBody, invokeOptions, sendMessageBody } from '../../src/rest/request-bodies';

describe('REST request bodies and query', () => {
  it('reads create-application and create-process bodies', () => {
    assert.deepEqual(createAppBody({ name: 'a', processClasses: ['X'] }), { name: 'a', processClasses: ['X'] });
    assert.deepEqual(createProcessBody({ class: 'X', pid: 'p' }), { processClass: 'X', pid: 'p' });
    assert.deepEqual(createProcessBody(undefined), {});
    assert.deepEqual(createProcessBody({ resources: {} }), {});
  });

  it('refuses wrong shapes, unknown fields and resources it cannot honour', () => {
    assert.throws(() => createAppBody(undefined), /needs a body/);
    assert.throws(() => createAppBody([]), /must be a JSON object/);
    assert.throws(() => createAppBody({ name: 3 }), /'name' must be a string/);
    assert.throws(() => createAppBody({ name: 'a', processClasses: [1] }), /array of strings/);
    assert.throws(() => createProcessBody({ klass: 'X' }), /unknown fields klass/);
    assert.throws(() => createProcessBody({ resources: { cpu: 2 } }), /not supported/);
    assert.throws(() => sendMessageBody({ key: true, data: 1 }), /'key' must be a string or an integer/);
  });

  it('takes pid from the Praas-Process header or ?pid=, and refuses them disagreeing', () => {
    assert.deepEqual(invokeOptions(new URLSearchParams('pid=p1&key=7&timeoutMs=500'), undefined), {
      pid: 'p1',
      key: '7',
      timeoutMs: 500,
    });
    assert.deepEqual(invokeOptions(new URLSearchParams(''), 'p2'), { pid: 'p2' });
    assert.deepEqual(invokeOptions(new URLSearchParams('pid=p2'), 'p2'), { pid: 'p2' });
    assert.throws(() => invokeOptions(new URLSearchParams('pid=p1'), 'p2'), /disagree/);
    assert.throws(() => invokeOptions(new URLSearchParams('pid=a&pid=b'), undefined), /given twice/);
    assert.throws(() => invokeOptions(new URLSearchParams('foo=1'), undefined), /unknown query parameter 'foo'/);
    assert.throws(() => invokeOptions(new URLSearchParams('timeoutMs=-1'), undefined), /timeoutMs must be/);
  });

  it('takes the process class of an invoke without a pid from ?class=', () => {
    assert.deepEqual(invokeOptions(new URLSearchParams('class=Cart&key=k'), undefined), {
      processClass: 'Cart',
      key: 'k',
    });
    assert.throws(() => invokeOptions(new URLSearchParams('class=A&class=B'), undefined), /'class' is given twice/);
    assert.throws(
      () => invokeOptions(new URLSearchParams('klass=A'), undefined),
      /unknown query parameter 'klass'; invoke takes pid, class, key, timeoutMs/,
    );
  });

  it('takes an idempotency key from the Idempotency-Key header, once and well-formed', () => {
    assert.deepEqual(invokeOptions(new URLSearchParams('pid=p1'), undefined, 'order-42'), {
      pid: 'p1',
      idempotencyKey: 'order-42',
    });
    assert.throws(
      () => invokeOptions(new URLSearchParams(''), 'p1', ['a', 'b']),
      /Idempotency-Key header is given more/,
    );
    assert.throws(() => invokeOptions(new URLSearchParams(''), 'p1', 'no spaces'), /invalid idempotency key/);
  });
});

import assert from 'node:assert/strict';
import {
  FunctionError,
  fromWireError,
  InvalidNameError,
  normalizeKey,
  PraasError,
  processSubject,
  ProcessNotFoundError,
  TimeoutError,
  toWireError,
  validateName,
} from '../src/internal';

describe('names', () => {
  it('accepts letters, digits, _ and - and rejects anything unsafe in a subject', () => {
    for (const ok of ['a', 'A-1', 'worker_07', '0abc', 'x'.repeat(128)]) assert.equal(validateName('pid', ok), ok);
    for (const bad of ['', 'a.b', 'a*', '>', 'a b', '-lead', 'ü', 'x'.repeat(129), 'a/b', 42, undefined]) {
      assert.throws(() => validateName('pid', bad), InvalidNameError, `accepted ${String(bad)}`);
    }
  });

  it('says what kind of name was wrong and the rule', () => {
    assert.throws(() => validateName('application', 'my.app'), /invalid application "my.app": 1 to 128 characters/);
  });

  it('takes safe integers as keys and refuses other numbers', () => {
    assert.equal(normalizeKey('message key', 7), '7');
    assert.throws(() => normalizeKey('message key', 1.5), /safe integer/);
  });

  it('builds subjects only from valid names', () => {
    assert.equal(processSubject('app', 'p-1'), 'praas.app.p.p-1');
    assert.throws(() => processSubject('app', 'p.>'), InvalidNameError);
  });
});

describe('errors on the wire', () => {
  it('keep code, message and details, and come back as the specific class', () => {
    const back = fromWireError(toWireError(new ProcessNotFoundError('app', 'p1')));
    assert.ok(back instanceof ProcessNotFoundError);
    assert.equal(back.message, "application 'app' has no process 'p1'");
    const fn = fromWireError(new FunctionError('add', 'p1', 'TypeError', 'bad input').toWire());
    assert.ok(fn instanceof FunctionError);
    assert.equal(fn.message, 'bad input');
    assert.equal(fn.details['errorName'], 'TypeError');
  });

  it('mark retryable codes and hide nothing but stacks', () => {
    const t = fromWireError(new TimeoutError('slow').toWire());
    assert.ok(t instanceof PraasError && t.retryable);
    const plain = toWireError(new RangeError('out of range'));
    assert.deepEqual(plain, { code: 'INTERNAL', message: 'out of range', details: { errorName: 'RangeError' } });
    assert.ok(!('stack' in plain));
  });
});

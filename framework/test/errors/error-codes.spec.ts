import assert from 'node:assert/strict';
import * as framework from '../../src/internal';
import {
  ERROR_CODES,
  FunctionError,
  fromWireError,
  isErrorCode,
  PraasError,
  RetryableError,
  retryableByDefault,
  TerminalError,
  TimeoutError,
  toWireError,
  UnavailableError,
  type ErrorCode,
} from '../../src/internal';

/** Every PraasError class the framework exports, with its code. */
const classes = (Object.values(framework) as unknown[]).filter(
  (v): v is { name: string; code: string } =>
    typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof PraasError,
);

describe('error codes, one table', function () {
  it('gives every exported error class a code of the table, each code declared by one class at most', function () {
    assert.ok(classes.length >= 20, `found ${classes.length} classes`);
    const owners = new Map<string, string>();
    for (const cls of classes) {
      assert.ok(isErrorCode(cls.code), `${cls.name}.code ${cls.code} is not in ERROR_CODES`);
      // A subclass may keep its parent's code (it crosses the wire as the parent); none declares another's.
      if (!Object.hasOwn(cls, 'code')) continue;
      assert.equal(owners.get(cls.code), undefined, `${cls.name} and ${owners.get(cls.code)} declare ${cls.code}`);
      owners.set(cls.code, cls.name);
    }
  });

  it('takes retryability from the table unless an error says otherwise', function () {
    const retryable = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => ERROR_CODES[c].retryable).sort();
    assert.deepEqual(retryable, [
      'HOST_FAILED',
      'NO_RESPONDERS',
      'PROCESS_UNAVAILABLE',
      'SWAP_FAILED',
      'TIMEOUT',
      'UNAVAILABLE',
    ]);
    assert.equal(new TimeoutError('slow').retryable, true);
    assert.equal(new UnavailableError('down').retryable, true);
    assert.equal(new PraasError('INVALID_ARGUMENT', 'bad').retryable, false);
    assert.equal(new PraasError('INVALID_ARGUMENT', 'bad', { retryable: true }).retryable, true);
    assert.equal(retryableByDefault('NOT_A_CODE'), false);
  });

  it('puts retryable on the wire only where it differs from the code’s default', function () {
    assert.equal('retryable' in new TimeoutError('slow').toWire(), false);
    assert.equal('retryable' in new FunctionError('f', 'p', 'Error', 'no').toWire(), false);
    const overridden = new UnavailableError('down', { retryable: false });
    assert.deepEqual(overridden.toWire(), { code: 'UNAVAILABLE', message: 'down', details: {}, retryable: false });
    assert.equal(fromWireError(overridden.toWire()).retryable, false);
    assert.equal(fromWireError({ code: 'TIMEOUT', message: 'slow' }).retryable, true);
  });

  it('rebuilds a code this version does not know as INTERNAL, keeping the peer’s code', function () {
    const e = fromWireError({ code: 'QUOTA_EXCEEDED', message: 'too many', details: { limit: 3 } });
    assert.equal(e.code, 'INTERNAL');
    assert.deepEqual(e.details, { limit: 3, remoteCode: 'QUOTA_EXCEEDED' });
    assert.equal(e.message, 'too many');
    assert.equal(e.retryable, false);
  });

  it('ignores a retryable field that is not a boolean', function () {
    const wire = { code: 'TIMEOUT', message: 'slow', retryable: 'no' as unknown as boolean };
    assert.equal(fromWireError(wire).retryable, true);
  });
});

describe('TerminalError and RetryableError', function () {
  it('make the FunctionError that wraps them terminal or retryable, on the wire too', function () {
    const wrap = (e: Error): FunctionError => new FunctionError('pay', 'p1', e.name, e.message, { cause: e });
    const retry = wrap(new RetryableError('the bank did not answer'));
    assert.equal(retry.retryable, true);
    assert.equal(retry.code, 'FUNCTION_FAILED');
    assert.equal(retry.details['errorName'], 'RetryableError');
    assert.equal(retry.toWire().retryable, true);
    const back = fromWireError(toWireError(retry));
    assert.ok(back instanceof FunctionError);
    assert.deepEqual(
      [back.retryable, back.message, back.details['errorName']],
      [true, 'the bank did not answer', 'RetryableError'],
    );

    for (const cause of [new TerminalError('no such order'), new RangeError('bug')]) {
      const failed = wrap(cause);
      assert.equal(failed.retryable, false, cause.name);
      assert.equal(fromWireError(failed.toWire()).retryable, false, cause.name);
    }
  });

  it('say which they are, keep their cause, and are no PraasErrors of their own', function () {
    const cause = new Error('socket closed');
    const retry = new RetryableError('later', { cause });
    const terminal = new TerminalError('never');
    assert.deepEqual([retry.name, retry.retryable, retry.cause], ['RetryableError', true, cause]);
    assert.deepEqual([terminal.name, terminal.retryable, terminal.cause], ['TerminalError', false, undefined]);
    assert.ok(!(retry instanceof PraasError) && !(terminal instanceof PraasError));
  });
});

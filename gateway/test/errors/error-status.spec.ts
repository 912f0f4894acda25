import assert from 'node:assert/strict';
import { ERROR_CODES, FunctionError, RetryableError, type ErrorCode } from '@praas/framework/internal';
import { ERROR_STATUS, type ErrorStatus } from '../../src/errors/error-status';
import { publicError } from '../../src/errors/http-status';

describe('ERROR_STATUS, the statuses of the error codes', function () {
  it('has an entry for every code of ERROR_CODES and none besides', function () {
    assert.deepEqual(Object.keys(ERROR_STATUS).sort(), Object.keys(ERROR_CODES).sort());
  });

  it('does not compile without an entry for each code', function () {
    const { INTERNAL, ...withoutOne } = ERROR_STATUS;
    // @ts-expect-error INTERNAL is missing: a table of statuses must name every ErrorCode.
    const incomplete: Readonly<Record<ErrorCode, ErrorStatus>> = withoutOne;
    assert.equal(Object.keys(incomplete).length + 1, Object.keys(ERROR_STATUS).length);
    assert.equal(INTERNAL.http, 500);
  });

  it('lets a client tell a retryable function failure from a terminal one', function () {
    const retry = new FunctionError('f', 'p', 'RetryableError', 'later', { cause: new RetryableError('later') });
    assert.deepEqual(publicError(retry), {
      code: 'FUNCTION_FAILED',
      message: 'later',
      details: { function: 'f', pid: 'p', errorName: 'RetryableError' },
      retryable: true,
    });
    assert.equal('retryable' in publicError(new FunctionError('f', 'p', 'TerminalError', 'never')), false);
  });
});

import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { ApplicationNotFoundError, FunctionError, InvalidNameError, TimeoutError } from '@praas/framework/internal';
import { grpcStatusOf } from '../../src/errors/grpc-status';
import { httpStatusOf, publicError } from '../../src/errors/http-status';

describe('error code → status mapping (only in the gateway)', () => {
  const cases: [string, number, status][] = [
    ['INVALID_NAME', 400, status.INVALID_ARGUMENT],
    ['INVALID_ARGUMENT', 400, status.INVALID_ARGUMENT],
    ['DECODE_FAILED', 400, status.INVALID_ARGUMENT],
    ['ENCODE_FAILED', 400, status.INVALID_ARGUMENT],
    ['APPLICATION_NOT_FOUND', 404, status.NOT_FOUND],
    ['PROCESS_NOT_FOUND', 404, status.NOT_FOUND],
    ['FUNCTION_NOT_FOUND', 404, status.NOT_FOUND],
    ['PROCESS_CLASS_NOT_FOUND', 404, status.NOT_FOUND],
    ['TIMER_NOT_FOUND', 404, status.NOT_FOUND],
    ['ALREADY_EXISTS', 409, status.ALREADY_EXISTS],
    ['PAYLOAD_TOO_LARGE', 413, status.RESOURCE_EXHAUSTED],
    ['TIMEOUT', 504, status.DEADLINE_EXCEEDED],
    ['PROCESS_UNAVAILABLE', 503, status.UNAVAILABLE],
    ['UNAVAILABLE', 503, status.UNAVAILABLE],
    ['NO_RESPONDERS', 503, status.UNAVAILABLE],
    ['FUNCTION_FAILED', 502, status.UNKNOWN],
    ['CODE_LOAD_FAILED', 502, status.FAILED_PRECONDITION],
    ['MIGRATION_FAILED', 502, status.FAILED_PRECONDITION],
    ['STATE_VERSION_TOO_NEW', 502, status.FAILED_PRECONDITION],
    ['SNAPSHOT_CORRUPT', 500, status.DATA_LOSS],
    ['INTERNAL', 500, status.INTERNAL],
    ['SOMETHING_NEW', 500, status.INTERNAL],
  ];
  for (const [code, http, grpc] of cases)
    it(`${code} → HTTP ${http}, gRPC ${status[grpc]}`, () => {
      assert.equal(httpStatusOf(code), http);
      assert.equal(grpcStatusOf(code), grpc);
    });

  it('passes PraasErrors through as { code, message, details } and hides anything else', () => {
    assert.deepEqual(publicError(new ApplicationNotFoundError('shop')), {
      code: 'APPLICATION_NOT_FOUND',
      message: "application 'shop' does not exist",
      details: { app: 'shop' },
    });
    assert.equal(publicError(new FunctionError('f', 'p', 'Error', 'user message')).message, 'user message');
    assert.equal(publicError(new InvalidNameError('pid', 'a b', 'rule')).code, 'INVALID_NAME');
    assert.equal(publicError(new TimeoutError('slow')).code, 'TIMEOUT');
    const hidden = publicError(new Error('secret path /etc/x at line 3'));
    assert.equal(hidden.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(hidden), /secret|\/etc|line 3/);
  });
});

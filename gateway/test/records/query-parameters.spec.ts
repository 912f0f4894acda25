import assert from 'node:assert/strict';
import { InvalidArgumentError } from '@praas/framework/internal';
import { restPageQuery } from '../../src/records/page-query';
import { restTimerQuery } from '../../src/records/timer-fields';

describe('REST query parameters of the listings', function () {
  it('list timers takes limit and cursor, each once, and refuses anything else naming it', function () {
    assert.deepEqual(restTimerQuery(new URLSearchParams('limit=5&cursor=abc')), { limit: 5, cursor: 'abc' });
    assert.throws(
      () => restTimerQuery(new URLSearchParams('limit=5&pid=p1')),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        /unknown query parameter 'pid'; list timers takes limit, cursor/.test(e.message),
    );
    assert.throws(
      () => restTimerQuery(new URLSearchParams('cursor=a&cursor=b')),
      /query parameter 'cursor' is given twice/,
    );
    assert.throws(() => restTimerQuery(new URLSearchParams('limit=x')), /limit must be a positive integer, got 'x'/);
  });

  it('list processes takes its filters as REST names, each once', function () {
    assert.deepEqual(restPageQuery(new URLSearchParams('class=Counter&limit=2')), {
      limit: 2,
      processClass: 'Counter',
    });
    assert.throws(
      () => restPageQuery(new URLSearchParams('processClass=Counter')),
      /unknown query parameter 'processClass'/,
    );
    assert.throws(() => restPageQuery(new URLSearchParams('host=a&host=b')), /query parameter 'host' is given twice/);
  });
});

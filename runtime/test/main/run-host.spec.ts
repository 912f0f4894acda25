import assert from 'node:assert/strict';
import { runHost } from '../../src';

describe('runHost', function () {
  it('does not start with a PRAAS_LOG_LEVEL that is not a level, and says which exist', async function () {
    const errors: string[] = [];
    const code = await runHost({
      // Nothing listens there: the level is checked before the host connects.
      env: { PRAAS_NATS_URL: 'nats://127.0.0.1:1', PRAAS_APP: 'demo', PRAAS_LOG_LEVEL: 'loud' },
      out: () => undefined,
      err: (line) => errors.push(line),
    });
    assert.equal(code, 1);
    assert.match(errors.join('\n'), /PRAAS_LOG_LEVEL 'loud' is not a level: use one of trace, debug, info/);
  });
});

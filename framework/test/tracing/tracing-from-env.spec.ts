import assert from 'node:assert/strict';
import { InvalidArgumentError, OTEL_SDK_PACKAGE, silentLogger, tracingFromEnv } from '../../src/internal';

/** Whether the user-side SDK is installed here: PRAAS_OTEL=1 starts it then, and explains how to get it otherwise. */
function sdkInstalled(): boolean {
  try {
    require.resolve(OTEL_SDK_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

describe('tracingFromEnv (PRAAS_OTEL)', () => {
  it('loads nothing unless PRAAS_OTEL turns tracing on', () => {
    for (const value of [undefined, '', '0', 'false', 'off', ' OFF ']) {
      assert.equal(tracingFromEnv({ PRAAS_OTEL: value }, 'praas-test', silentLogger), undefined, String(value));
    }
  });

  it('refuses a value that is not a switch, naming the accepted ones', () => {
    assert.throws(
      () => tracingFromEnv({ PRAAS_OTEL: 'maybe' }, 'praas-test', silentLogger),
      (e: unknown) => e instanceof InvalidArgumentError && /PRAAS_OTEL must be 1 or 0/.test(e.message),
    );
  });

  it('starts the OpenTelemetry SDK when installed, and otherwise says how to install it', async () => {
    if (sdkInstalled()) {
      const handle = tracingFromEnv({ PRAAS_OTEL: '1', OTEL_TRACES_EXPORTER: 'none' }, 'praas-test', silentLogger);
      assert.ok(handle);
      await handle.shutdown();
      return;
    }
    assert.throws(
      () => tracingFromEnv({ PRAAS_OTEL: '1' }, 'praas-test', silentLogger),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.message.includes(`npm install ${OTEL_SDK_PACKAGE}`) &&
        e.message.includes('node -r'),
    );
  });
});

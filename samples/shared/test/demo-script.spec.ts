import assert from 'node:assert/strict';
import { runDemoScript, type DemoStack } from '../src';

describe('samples-shared: runDemoScript', () => {
  let saved: typeof process.exitCode;
  const logged: unknown[][] = [];
  const log = console.log;
  const error = console.error;

  beforeEach(() => {
    saved = process.exitCode;
    process.exitCode = undefined;
    logged.length = 0;
    console.log = (...args: unknown[]) => void logged.push(args);
    console.error = (...args: unknown[]) => void logged.push(args);
  });
  afterEach(() => {
    console.log = log;
    console.error = error;
    process.exitCode = saved;
  });

  function stack(): DemoStack & { closed: number } {
    return {
      swapLocation: '/tmp/swap',
      closed: 0,
      async close() {
        this.closed++;
      },
    };
  }

  it('prints the transcript indented, closes the stack and leaves the exit code alone on success', async () => {
    const s = stack();
    await runDemoScript(
      async () => s,
      async (_, print) => {
        print('step');
        return true;
      },
    );
    assert.equal(s.closed, 1);
    assert.equal(process.exitCode, undefined);
    assert.deepEqual(logged, [['praas embedded stack up (swap store: /tmp/swap)'], ['  step']]);
  });

  it('sets exit code 1 on an unexpected outcome', async () => {
    const s = stack();
    await runDemoScript(
      async () => s,
      async () => false,
    );
    assert.equal(s.closed, 1);
    assert.equal(process.exitCode, 1);
  });

  it('closes the stack, prints the failure and sets exit code 1 when the scenario throws', async () => {
    const s = stack();
    const failure = new Error('boom');
    await runDemoScript(
      async () => s,
      async () => {
        throw failure;
      },
    );
    assert.equal(s.closed, 1);
    assert.equal(process.exitCode, 1);
    assert.deepEqual(logged.at(-1), [failure]);
  });
});

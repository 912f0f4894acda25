import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describeFault, installLastResortHandlers, LoopHealth } from '../../src/internal';

const ERRORS_MODULE = join(__dirname, '../../src/errors/index.js');

/** Runs `body` in a fresh Node.js process; `handlers` installs the last-resort handlers first. */
function runNode(body: string, handlers: boolean): { status: number | null; stdout: string; stderr: string } {
  const install = handlers
    ? `const m = require(${JSON.stringify(ERRORS_MODULE)}); m.installLastResortHandlers(m.faultLog('test-service'));`
    : '';
  const result = spawnSync(process.execPath, ['-e', `${install}\n${body}`], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const FAULTY = `
Promise.reject(new Error('a rejection nobody awaits'));
setTimeout(() => { throw new Error('thrown in a timer'); }, 0);
setTimeout(() => console.log('still serving'), 100);
`;

describe('last-resort handlers', () => {
  it('keep a service running through an unhandled rejection and an uncaught exception, logging both with stacks', () => {
    const run = runNode(FAULTY, true);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'still serving\n');
    assert.match(
      run.stderr,
      /^praas test-service: unhandled promise rejection .*still serving: Error: a rejection nobody awaits\n\s+at /m,
    );
    assert.match(
      run.stderr,
      /^praas test-service: uncaught exception \(uncaughtException; .*still serving: Error: thrown in a timer\n\s+at /m,
    );
  });

  it('are what keeps it running: without them Node.js exits on the first one', () => {
    const run = runNode(FAULTY, false);
    assert.notEqual(run.status, 0);
    assert.doesNotMatch(run.stdout, /still serving/);
  });

  it('can be removed again', () => {
    const target = new EventEmitter();
    const lines: string[] = [];
    const remove = installLastResortHandlers((message) => lines.push(message), target);
    target.emit('unhandledRejection', new Error('once'));
    remove();
    assert.equal(target.listenerCount('unhandledRejection'), 0);
    assert.equal(target.listenerCount('uncaughtException'), 0);
    assert.equal(lines.length, 1);
  });
});

describe('fault logging', () => {
  it('describes an error with its stack and its causes', () => {
    const error = new Error('outer', { cause: new Error('inner') });
    const text = describeFault(error);
    assert.match(text, /^Error: outer\n\s+at /);
    assert.match(text, /\n {2}caused by: Error: inner\n\s+at /);
    assert.equal(describeFault('plain'), 'plain');
  });

  it('writes one line on stderr prefixed with the source', () => {
    const run = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(ERRORS_MODULE)}).faultLog('gateway')('the watch failed', 'because')`],
      { encoding: 'utf8' },
    );
    assert.equal(run.stderr, 'praas gateway: the watch failed: because\n');
  });

  it('reports the first failure of a loop and its recovery, not every failed round', () => {
    const lines: string[] = [];
    const health = new LoopHealth('the heartbeat', (message, error) =>
      lines.push(error === undefined ? message : `${message}: ${error as string}`),
    );
    health.succeeded();
    health.failed('first');
    health.failed('second');
    assert.ok(health.failing);
    health.succeeded();
    health.succeeded();
    health.failed('again');
    assert.deepEqual(lines, [
      'the heartbeat failed; it keeps retrying: first',
      'the heartbeat works again, after 2 failed rounds',
      'the heartbeat failed; it keeps retrying: again',
    ]);
  });
});

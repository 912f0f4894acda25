import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { installHostFaultHandlers } from '../../src';
import { runInScope, type FaultOrigin } from '../../src/process/call-scope';

describe('installHostFaultHandlers', function () {
  const setUp = () => {
    const target = new EventEmitter();
    const logged: string[] = [];
    const faults: { pid: string; error: unknown; origin: FaultOrigin }[] = [];
    const remove = installHostFaultHandlers(target, (message) => logged.push(message));
    const scope = {
      app: 'a',
      pid: 'p1',
      fault: (error: unknown, origin: FaultOrigin) => (faults.push({ pid: 'p1', error, origin }), true),
    };
    return { target, logged, faults, remove, scope };
  };

  it('hands a fault raised in a process scope to that process, not to the host log', function () {
    const { target, logged, faults, remove, scope } = setUp();
    const thrown = new Error('boom in a timer');
    const rejected = new Error('boom in a floating promise');
    runInScope(scope, () => {
      target.emit('uncaughtException', thrown, 'uncaughtException');
      target.emit('unhandledRejection', rejected);
    });
    assert.deepEqual(faults, [
      { pid: 'p1', error: thrown, origin: 'uncaughtException' },
      { pid: 'p1', error: rejected, origin: 'unhandledRejection' },
    ]);
    assert.deepEqual(logged, []);
    remove();
  });

  it("logs the host's own faults and keeps the handlers until removed", function () {
    const { target, logged, faults, remove } = setUp();
    target.emit('unhandledRejection', new Error('a forgotten catch of the host'));
    assert.equal(faults.length, 0);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /unhandled promise rejection .*still serving/);
    remove();
    assert.equal(target.listenerCount('unhandledRejection'), 0);
    assert.equal(target.listenerCount('uncaughtException'), 0);
  });
});

import assert from 'node:assert/strict';
import 'reflect-metadata';
import { batch, DecoratorUsageError, Fn, multiSource, Process, processDefinitionOf, State } from '../src/internal';

function usageError(decorator: string, className: string, member: string | undefined): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DecoratorUsageError, `expected DecoratorUsageError, got ${String(e)}`);
    assert.equal(e.details['decorator'], decorator);
    assert.equal(e.details['className'], className);
    assert.equal(e.details['member'], member);
    assert.match(e.message, new RegExp(`@${decorator} on ${className}${member ? `\\.${member}` : ''}:`));
    return true;
  };
}

class Model {
  weights = [1, 2];
}

describe('decorators and process definitions', () => {
  it('turn a class into an immutable definition with functions, triggers and state', () => {
    @Process({ name: 'trainer', maxConcurrency: 4, idleTimeoutMs: 1_000, checkpointEveryMs: 500 })
    class Trainer {
      @State() epoch = 0;
      @State(() => Model) model = new Model();
      @Fn() step(): void {}
      @Fn({ name: 'all-reduce', trigger: multiSource({ count: 3, maxWaitMs: 10 }) }) reduce(): void {}
      @Fn({ trigger: batch({ size: 5 }), exclusive: true, timeoutMs: 50 }) flush(): void {}
    }
    const d = processDefinitionOf(Trainer);
    assert.equal(d.name, 'trainer');
    assert.equal(d.maxConcurrency, 4);
    assert.equal(d.idleTimeoutMs, 1_000);
    assert.equal(d.checkpointEveryMs, 500);
    assert.deepEqual([...d.functions.keys()], ['step', 'all-reduce', 'flush']);
    assert.deepEqual(d.functions.get('all-reduce'), {
      name: 'all-reduce',
      method: 'reduce',
      trigger: { kind: 'multiSource', count: 3, maxWaitMs: 10 },
      exclusive: false,
    });
    assert.equal(d.functions.get('flush')?.exclusive, true);
    assert.deepEqual(d.state, [{ field: 'epoch' }, { field: 'model', type: Model }]);
    assert.equal(processDefinitionOf(Trainer), d, 'definitions are cached per class');
    assert.ok(Object.isFrozen(d) && Object.isFrozen(d.state));
    assert.throws(() => (d.functions as Map<string, unknown>).set('x', {}), /immutable/);
  });

  it('defaults to the class name, 64 concurrent calls and standard triggers', () => {
    @Process()
    class Plain {
      @Fn() go(): void {}
    }
    const d = processDefinitionOf(Plain);
    assert.equal(d.name, 'Plain');
    assert.equal(d.maxConcurrency, 64);
    assert.deepEqual(d.functions.get('go')?.trigger, { kind: 'standard' });
  });

  it('rejects @Fn on a getter, a setter or a static member, naming class and member', () => {
    assert.throws(
      () => {
        class A {
          @Fn() get value(): number {
            return 1;
          }
        }
        return A;
      },
      usageError('Fn', 'A', 'value'),
    );
    assert.throws(
      () => {
        class B {
          @Fn() set value(_v: number) {}
        }
        return B;
      },
      usageError('Fn', 'B', 'value'),
    );
    assert.throws(
      () => {
        class C {
          @Fn() static make(): void {}
        }
        return C;
      },
      usageError('Fn', 'C', 'make'),
    );
  });

  it('rejects @State on a method or a static field', () => {
    assert.throws(
      () => {
        class D {
          @State() run(): void {}
        }
        return D;
      },
      usageError('State', 'D', 'run'),
    );
    assert.throws(
      () => {
        class E {
          @State() static shared = 1;
        }
        return E;
      },
      usageError('State', 'E', 'shared'),
    );
  });

  it('rejects two functions with the same name at registration', () => {
    @Process()
    class Dup {
      @Fn({ name: 'go' }) a(): void {}
      @Fn({ name: 'go' }) b(): void {}
    }
    assert.throws(() => processDefinitionOf(Dup), usageError('Fn', 'Dup', 'b'));
  });

  it('rejects invalid names for processes and functions', () => {
    assert.throws(
      () => {
        @Process({ name: 'has.dot' })
        class F {}
        return F;
      },
      usageError('Process', 'F', undefined),
    );
    assert.throws(
      () => {
        class G {
          @Fn({ name: 'no spaces' }) go(): void {}
        }
        return G;
      },
      usageError('Fn', 'G', 'go'),
    );
  });

  it('rejects invalid process options', () => {
    assert.throws(() => {
      @Process({ maxConcurrency: 0 })
      class H {}
      return H;
    }, /maxConcurrency must be an integer of at least 1/);
  });

  it('rejects a class without @Process', () => {
    class NotAProcess {
      @Fn() go(): void {}
    }
    assert.throws(() => processDefinitionOf(NotAProcess), usageError('Process', 'NotAProcess', undefined));
  });

  it('rejects triggers with a count or size below 1', () => {
    assert.throws(() => multiSource({ count: 0 }), /multiSource count must be an integer of at least 1, got 0/);
    assert.throws(() => batch({ size: -2 }), /batch size must be an integer of at least 1/);
    assert.throws(() => batch({ size: 2, maxWaitMs: -1 }), /maxWaitMs must be a non-negative number/);
  });

  it('rejects a state type that is not a thunk returning a class', () => {
    @Process()
    class BadThunk {
      @State(() => 42 as unknown as new () => object) value = 1;
    }
    assert.throws(() => processDefinitionOf(BadThunk), usageError('State', 'BadThunk', 'value'));
  });

  it('inherits functions and state without changing the parent', () => {
    @Process()
    class Base {
      @State() a = 1;
      @Fn() one(): void {}
    }
    @Process()
    class Derived extends Base {
      @State() b = 2;
      @Fn() two(): void {}
      @Fn({ exclusive: true }) override one(): void {}
    }
    assert.deepEqual([...processDefinitionOf(Base).functions.keys()], ['one']);
    assert.deepEqual(processDefinitionOf(Base).state, [{ field: 'a' }]);
    const d = processDefinitionOf(Derived);
    assert.deepEqual([...d.functions.keys()].sort(), ['one', 'two']);
    assert.equal(d.functions.get('one')?.exclusive, true);
    assert.deepEqual(d.state, [{ field: 'a' }, { field: 'b' }]);
  });
});
